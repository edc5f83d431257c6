import { prettyJsonParts } from './pretty-json-parts';

const expected = (value: unknown) => JSON.stringify(value, null, 2);
const joined = (value: unknown) => [...prettyJsonParts(value)].join('');
const list = <T>(n: number, item: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => item(i));

/** Deterministic pseudo-random JSON-ish values, long lists included (mulberry32). */
function randomValue(seed: number): unknown {
  let state = seed >>> 0;
  const rand = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const leaves = [null, true, 0, -1.5, '', 'line\nbreak "quoted" \\ é 😀', undefined, () => 1];
  let budget = 3000; // values in all, so that a long list of long lists stays small
  const make = (depth: number): unknown => {
    const r = rand();
    if (--budget <= 0 || depth > 7 || r < 0.3) return leaves[Math.floor(rand() * leaves.length)];
    if (r < 0.6)
      return list(rand() < 0.2 ? 65 + Math.floor(rand() * 40) : Math.floor(rand() * 4), () =>
        make(depth + 1),
      );
    const object: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 5); i > 0; i--)
      object[`k${Math.floor(rand() * 9)} "x"`] = make(depth + 1);
    return object;
  };
  return { root: make(0) };
}

describe('prettyJsonParts', () => {
  it.each([
    ['an empty object', {}],
    ['an empty list', []],
    ['a short document', { id: 'a1', run: { hostsUp: 2, args: 'nmap -p 22\n"x"' }, note: null }],
    [
      'a document with a long list last',
      { id: 'a1', hosts: list(200, (i) => ({ addr: `10.0.0.${i}`, ports: [22] })) },
    ],
    ['a long top-level list', list(100, (i) => ({ fingerprint: `f${i}`, evidence: { found: [i] } }))],
    [
      'long lists deep in a document, as in OSCAL',
      {
        'assessment-results': {
          uuid: 'u',
          results: [
            { observations: list(70, (i) => ({ i })), findings: list(130, (i) => ({ i, props: [] })) },
          ],
        },
      },
    ],
    ['a long list below the split depth', { a: { b: { c: { d: { e: { f: list(80, (i) => i) } } } } } }],
    [
      'members JSON leaves out and items it writes as null',
      { gone: undefined, fn: () => 1, kept: 1, items: list(70, (i) => (i % 2 === 0 ? undefined : () => i)) },
    ],
    ['toJSON members and items', { at: new Date(0), dates: list(70, (i) => new Date(i * 1000)) }],
    [
      'an object whose members all vanish',
      { inner: { a: undefined, long: list(70, () => undefined) }, b: undefined },
    ],
  ])('joins to JSON.stringify(value, null, 2): %s', (_label, value) => {
    expect(joined(value)).toBe(expected(value));
  });

  it.each(list(60, (i) => [0x5eed + i * 7919]))('joins to JSON.stringify for random value %d', (seed) => {
    const value = randomValue(seed);
    expect(joined(value)).toBe(expected(value));
  });

  it('generates the hard cases the random values are about', () => {
    const depths: number[] = [];
    const walk = (value: unknown, depth: number): void => {
      if (Array.isArray(value)) {
        if (value.length > 64) depths.push(depth);
        value.forEach((item) => walk(item, depth + 1));
      } else if (typeof value === 'object' && value !== null)
        Object.values(value).forEach((v) => walk(v, depth + 1));
    };
    list(60, (i) => randomValue(0x5eed + i * 7919)).forEach((value) => walk(value, 0));
    // Long lists near the top (split) and below the split depth (written whole), nested in each other.
    expect(Math.min(...depths)).toBeLessThanOrEqual(2);
    expect(Math.max(...depths)).toBeGreaterThanOrEqual(5);
    expect(depths.length).toBeGreaterThan(20);
  });

  it('splits down through short lists and objects to the long lists they hold', () => {
    const oscalLike = {
      'assessment-results': {
        uuid: 'u',
        results: [
          { uuid: 'r', observations: list(500, (i) => ({ i })), findings: list(500, (i) => ({ i })) },
        ],
      },
    };
    const parts = [...prettyJsonParts(oscalLike)];
    expect(parts.join('')).toBe(expected(oscalLike));
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThan(100);
  });

  it('writes a long list one item per part', () => {
    const hosts = list(1000, (i) => ({ addr: `10.0.${i >> 8}.${i & 255}` }));
    const parts = [...prettyJsonParts({ id: 'x', hosts })];
    expect(parts.length).toBeGreaterThan(2000);
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThan(100);
  });

  it('refuses a top-level value JSON cannot write', () => {
    expect(() => [...prettyJsonParts(undefined)]).toThrow(TypeError);
  });
});

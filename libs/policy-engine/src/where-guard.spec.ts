import { resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { DEFAULT_POLICY_DIR_NAME, loadPolicyPack } from '@driftwatch/policy-engine';
import { addCustomKeywords } from './keywords/custom-keywords';
import { admitted, guardFunction, MISSING, OTHER, probe, prober, whereGuards } from './where-guard';

const shipped = loadPolicyPack(resolve(__dirname, '..', '..', '..', 'policies', DEFAULT_POLICY_DIR_NAME));
const whereOf = (id: string): unknown => {
  const rule = shipped.rules.find((r) => r.id === id);
  return rule && 'where' in rule ? rule.where : undefined;
};

function compileWhere(schema: unknown): (subject: unknown) => boolean {
  // strict off: some hand-written schemas below leave out `type` on purpose; numbers as in strict mode.
  const ajv = new Ajv({ strict: false, strictNumbers: true, $data: true });
  addFormats(ajv);
  addCustomKeywords(ajv);
  const validate = ajv.compile(schema as object);
  return (subject) => validate(subject);
}

const service = (name?: unknown, extra: Record<string, unknown> = {}) => ({
  kind: 'service',
  port: { protocol: 'tcp', port: 80, service: name === undefined ? undefined : { name, ...extra } },
});

describe('where guards', () => {
  it('reads a path as ajv does: a missing step or an undefined value is missing', () => {
    expect(probe({ port: { service: { name: 'ssh' } } }, ['port', 'service', 'name'])).toBe('ssh');
    expect(probe({ port: { service: undefined } }, ['port', 'service', 'name'])).toBe(MISSING);
    expect(probe({ port: [] }, ['port', 'service'])).toBe(MISSING);
    expect(probe({ port: 'x' }, ['port', 'service'])).toBe(MISSING);
    expect(probe({ port: { port: 443 } }, ['port', 'port'])).toBe(443);
    expect(probe({ port: { service: { name: null } } }, ['port', 'service', 'name'])).toBe(OTHER);
  });

  it('generates readers that take any key as data, never as code', () => {
    const keys = ['a"b', "c'd", 'e\\', '`${f}`', '\u2028', '__proto__', ''];
    const subject = { [keys[0]]: { [keys[1]]: { [keys[2]]: { [keys[3]]: { [keys[4]]: 7 } } } } };
    expect(prober(keys.slice(0, 5))(subject)).toBe(7);
    expect(prober(keys.slice(0, 5))(subject)).toBe(probe(subject, keys.slice(0, 5)));
    expect(prober(['x', '__proto__'])({ x: {} })).toBe(OTHER);
    expect(prober([''])({ '': 'empty key' })).toBe('empty key');
    expect(prober([])(undefined)).toBe(MISSING);
    expect(prober([])('whole')).toBe('whole');
  });

  it('lets through only the web service names for "web service without TLS"', () => {
    const guard = guardFunction(whereGuards(whereOf('pci-dss-v4.4.2.1-web-service-without-tls')));
    if (!guard) throw new Error('no guard');
    expect(guard(service('http'))).toBe(true);
    expect(guard(service('http-alt'))).toBe(true);
    expect(guard(service('ssh'))).toBe(false);
    expect(guard(service(undefined))).toBe(false);
    expect(guard(service('http', { tunnel: 'ssl' }))).toBe(false);
  });

  it('keeps unnamed services for the cleartext rule, whose fallback judges them by port', () => {
    const guard = guardFunction(whereGuards(whereOf('pci-dss-v4.1.2.6-insecure-cleartext-service')));
    if (!guard) throw new Error('no guard');
    expect(guard(service('telnet'))).toBe(true);
    expect(guard(service(undefined))).toBe(true);
    expect(guard(service('ssh'))).toBe(false);
  });

  it('has no guard for a selector it cannot read, and assumes nothing about it', () => {
    expect(whereGuards({ type: 'object', properties: { address: { inNetworks: ['10.0.0.0/8'] } } })).toEqual(
      [],
    );
    expect(whereGuards(true)).toEqual([]);
    expect(admitted({ properties: { a: { const: { $data: '/b' } } } }, ['a']).isAll).toBe(true);
  });

  it('reads "not" both ways: a key that must be absent, and one that must be present', () => {
    expect(admitted({ properties: { a: false } }, ['a']).has(MISSING)).toBe(true);
    expect(admitted({ properties: { a: false } }, ['a']).has('x')).toBe(false);
    const present = admitted({ not: { properties: { a: false } } }, ['a']);
    expect(present.has(MISSING)).toBe(false);
    expect(present.has('x')).toBe(true);
  });
});

// Soundness: whatever a guard turns away, ajv turns away too. Checked on every shipped selector
// and on hand-written ones that exercise each keyword the analysis reads, over random subjects.
const TRICKY: unknown[] = [
  { not: { properties: { a: { const: 'x' } } } },
  { anyOf: [{ required: ['a'], properties: { a: { enum: ['x', 'y'] } } }, { not: { required: ['a'] } }] },
  {
    anyOf: [
      { type: 'object', required: ['a'], properties: { a: { enum: ['x', 'y'] } } },
      { not: { required: ['a'] } },
    ],
  },
  {
    anyOf: [
      { type: 'object', required: ['a'], properties: { a: { enum: ['x', 'y'] } } },
      { not: { type: 'object', properties: { a: { const: 'x' } } } },
    ],
  },
  {
    type: 'object',
    required: ['a'],
    properties: { a: { type: 'object', properties: { b: { not: { enum: ['x'] } } } } },
  },
  { properties: { a: { oneOf: [{ const: 1 }, { const: 'x' }] } } },
  {
    anyOf: [
      { type: 'object', required: ['a'], properties: { a: { const: 'x' } } },
      { not: { properties: { a: { oneOf: [{ type: 'string' }, { const: 'y' }] } } } },
    ],
  },
  {
    type: 'object',
    required: ['a'],
    allOf: [{ properties: { a: { enum: ['x', 'y', 'z'] } } }, { properties: { a: { not: { const: 'y' } } } }],
  },
  { properties: { a: { type: ['string', 'null'], enum: ['x', null, 2] } } },
  { required: ['a'], properties: { a: { const: null } } },
  { not: { type: 'object', required: ['a'], properties: { a: { type: 'string' } } } },
  { not: { required: ['a', 'b'], properties: { a: { type: 'string' } } } },
  {
    anyOf: [
      { type: 'object', required: ['a'], properties: { a: { const: 'x' } } },
      { not: { required: ['a', 'b'], properties: { a: { type: 'string' } } } },
    ],
  },
  {
    anyOf: [
      { type: 'object', required: ['a'], properties: { a: { const: 'x' } } },
      { not: { properties: { a: { type: 'string' }, b: { const: 'y' } } } },
    ],
  },
  { properties: { a: { properties: { b: { enum: [1, 2, 'x'] } } } } },
  { properties: { a: { type: 'integer', enum: [1, 2.5, 'x'] } } },
  { not: { properties: { a: { type: 'integer' } } } },
  { if: { properties: { a: { const: 'x' } } }, then: { required: ['b'] } },
  { properties: { a: { enum: [{ k: 1 }, 'x'] } } },
  { not: { properties: { a: { enum: [{ k: 1 }, 'x'] } } } },
  { properties: { a: { enum: [{ b: 'x' }], properties: { b: { const: 'x' } } } } },
  {
    anyOf: [
      { type: 'object', required: ['a'], properties: { a: { const: 'x' } } },
      { not: { properties: { a: { type: 'string' } }, minProperties: 3 } },
    ],
  },
  { not: { properties: { a: { enum: [Number.NaN, 1] } } } },
  {
    anyOf: [
      { type: 'object', required: ['a'], properties: { a: { const: 'x' } } },
      { not: { properties: { a: { type: 'number' } } } },
    ],
  },
  { properties: { a: false } },
  { not: { properties: { a: false } } },
  { type: 'array', properties: { a: { const: 'x' } } },
  { not: { type: 'array' }, properties: { a: { const: 'x' } } },
  { not: { anyOf: [{ properties: { a: { const: 'x' } } }, { properties: { a: { type: 'number' } } }] } },
  { properties: { a: { not: { not: { enum: ['x', 'y'] } } } } },
  { properties: { a: { properties: { b: { const: 'x' } } }, c: { const: 'y' } }, required: ['c'] },
  { not: { properties: { a: { properties: { b: { const: 'x' } } }, c: { const: 'y' } } } },
  { properties: { a: { minLength: 2, enum: ['x', 'xy'] } } },
  { not: { properties: { a: { minLength: 2, enum: ['x', 'xy'] } } } },
  { properties: { a: { type: 'string', memberOf: ['x', 'y'] } } },
  { not: { properties: { a: { type: 'string', memberOf: { $data: '/list' } } } } },
];

/** Every property path a schema mentions, and every literal it compares with. */
function vocabulary(schema: unknown): { paths: string[][]; literals: unknown[] } {
  const paths: string[][] = [];
  const literals: unknown[] = [];
  const visit = (node: unknown, path: string[]): void => {
    if (Array.isArray(node)) {
      node.forEach((n) => visit(n, path));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && value !== null && typeof value === 'object') {
        for (const [name, sub] of Object.entries(value as Record<string, unknown>)) {
          paths.push([...path, name]);
          visit(sub, [...path, name]);
        }
      } else if (key === 'enum' && Array.isArray(value)) {
        literals.push(...(value as unknown[]));
      } else if (key === 'const') {
        literals.push(value);
      } else {
        visit(value, path);
      }
    }
  };
  visit(schema, []);
  return { paths, literals };
}

/** A small seeded generator (a linear congruential one): the same subjects on every run. */
function prng(seed: number): () => number {
  let state = seed % 2147483647;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/** A random subject built along the schema's paths, with values of every kind at each step. */
function randomSubject(rng: () => number, paths: string[][], literals: unknown[]): unknown {
  const pool = [
    ...literals,
    'ssh',
    '',
    'zz',
    '5.3p1',
    0,
    1,
    443,
    Number.NaN,
    Infinity,
    -1,
    2.5,
    null,
    true,
    false,
    [],
    ['x'],
    {},
    { k: 1 },
  ];
  const pick = () => structuredClone(pool[Math.floor(rng() * pool.length)]);
  const root: Record<string, unknown> = {};
  for (const path of paths) {
    if (rng() < 0.2) continue;
    let node: Record<string, unknown> = root;
    for (let i = 0; i < path.length; i += 1) {
      const key = path[i];
      if (i === path.length - 1) {
        if (!(key in node) || rng() < 0.5) node[key] = rng() < 0.1 ? undefined : pick();
        break;
      }
      const next = node[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) {
        if (rng() < 0.15) {
          node[key] = pick();
          break;
        }
        node[key] = {};
      }
      node = node[key] as Record<string, unknown>;
    }
  }
  if (rng() < 0.3) root['list'] = rng() < 0.5 ? ['x'] : ['y', 'zz'];
  return rng() < 0.02 ? pick() : root;
}

describe('where guards never turn away a subject the selector matches', () => {
  const selectors: [string, unknown][] = [
    ...shipped.rules.flatMap((r): [string, unknown][] =>
      'where' in r && r.where !== undefined ? [[r.id, r.where]] : [],
    ),
    ...TRICKY.map(
      (schema, i) => [`hand-written #${i}: ${JSON.stringify(schema)}`, schema] as [string, unknown],
    ),
  ];

  it.each(selectors)('%s', (_name, schema) => {
    const where = compileWhere(schema);
    const guards = whereGuards(schema);
    const guard = guardFunction(guards) ?? (() => true);
    const { paths, literals } = vocabulary(schema);
    const rng = prng(0x5eed);
    const wrongly: unknown[] = [];
    let matched = 0;
    const misread: string[] = [];
    for (let i = 0; i < 4000; i += 1) {
      const subject = randomSubject(rng, paths, literals);
      for (const { path, read } of guards) {
        if (!Object.is(read(subject), probe(subject, path))) misread.push(path.join('.'));
      }
      if (where(subject)) {
        matched += 1;
        if (!guard(subject)) wrongly.push(subject);
      }
    }
    expect(wrongly.slice(0, 3)).toEqual([]);
    expect(misread.slice(0, 3)).toEqual([]);
    // Where a guard prunes, the random subjects reach the cases it must let through.
    if (guards.length > 0) expect(matched).toBeGreaterThan(0);
  });
});

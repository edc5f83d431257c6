import { prettyJsonArrayParts, prettyJsonParts } from './pretty-json-parts';

describe('prettyJsonParts', () => {
  const fields = { id: 'a1', run: { hostsUp: 2, args: 'nmap -p 22\n"x"' }, note: null, skipped: undefined };

  it.each([
    ['no items', []],
    ['one item', [{ addr: '192.0.2.5', ports: [{ port: 22, scripts: [] }] }]],
    [
      'items of every JSON kind, with newlines and quotes in strings',
      [
        { a: 'line\nbreak "q" \\ ü 😀', b: [[], {}, [1, [2]]] },
        'text',
        3,
        null,
        [{ deep: { er: true } }],
        undefined,
      ],
    ],
  ])('joins to JSON.stringify(document, null, 2) and a newline: %s', (_label, items: unknown[]) => {
    const parts = [...prettyJsonParts(fields, 'hosts', items)];
    expect(parts.join('')).toBe(`${JSON.stringify({ ...fields, hosts: items }, null, 2)}\n`);
    expect(parts).toHaveLength(items.length === 0 ? 1 : items.length + 2);
  });

  it('refuses a list key that is already a field', () => {
    expect(() => [...prettyJsonParts({ hosts: 1 }, 'hosts', [])]).toThrow(/already a field/);
  });

  it.each([
    ['no items', []],
    ['items of every JSON kind', [{ a: 'x\ny "q"', b: [{}, []] }, 'text', 0, null, undefined, [[1]]]],
  ])(
    'writes a top-level list as JSON.stringify(list, null, 2) and a newline: %s',
    (_label, items: unknown[]) => {
      const parts = [...prettyJsonArrayParts(items)];
      expect(parts.join('')).toBe(`${JSON.stringify(items, null, 2)}\n`);
      expect(parts).toHaveLength(items.length === 0 ? 1 : items.length + 2);
    },
  );
});

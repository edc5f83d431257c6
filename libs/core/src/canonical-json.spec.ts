import { canonicalJson, contentHash, ListContentHash } from './canonical-json';

describe('canonical JSON', () => {
  it('serialises equal content to equal bytes whatever the key order, dropping undefined', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined })).toBe('{"a":[true,null,"x"],"b":1}');
    expect(contentHash({ x: 1, y: { b: 2, a: 1 } })).toBe(contentHash({ y: { a: 1, b: 2 }, x: 1 }));
    expect(contentHash({ x: 1 })).not.toBe(contentHash({ x: 2 }));
  });

  it('hashes a list fed item by item exactly as contentHash hashes the whole list', () => {
    const lists: unknown[][] = [
      [],
      [{ b: 1, a: 'é' }],
      [{ x: [1, 2] }, undefined, null, 'text', 3, { nested: { z: true, y: undefined } }],
    ];
    for (const list of lists) {
      const built = list.reduce((hash: ListContentHash, item) => hash.add(item), new ListContentHash());
      expect(built.digest()).toBe(contentHash(list));
    }
  });
});

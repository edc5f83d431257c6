import { canonicalJson, contentHash } from './canonical-json';

describe('canonical JSON', () => {
  it('serialises equal content to equal bytes whatever the key order, dropping undefined', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined })).toBe('{"a":[true,null,"x"],"b":1}');
    expect(contentHash({ x: 1, y: { b: 2, a: 1 } })).toBe(contentHash({ y: { a: 1, b: 2 }, x: 1 }));
    expect(contentHash({ x: 1 })).not.toBe(contentHash({ x: 2 }));
  });
});

import { DRIFTWATCH_NAMESPACE, URL_NAMESPACE, uuidV5 } from './uuid-v5';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

describe('uuidV5', () => {
  it('matches the RFC 4122 name-based SHA-1 UUID of a known name', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
    expect(uuidV5('python.org', DNS_NAMESPACE)).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it("derives Driftwatch's namespace from the URL namespace", () => {
    expect(uuidV5('urn:driftwatch:oscal', URL_NAMESPACE)).toBe(DRIFTWATCH_NAMESPACE);
  });

  it('is stable for a name and different for different names, with version 5 and the RFC variant', () => {
    const a = uuidV5('finding:1');
    expect(uuidV5('finding:1')).toBe(a);
    expect(uuidV5('finding:2')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(/not a UUID/);
  });
});

import { diffSettings } from './settings-diff';

describe('diffSettings', () => {
  it('reports nothing for equal settings built in a different order', () => {
    expect(
      diffSettings(
        { a: '1', b: ['x', 'y'], c: { p: 1, q: 2 } },
        { c: { q: 2, p: 1 }, b: ['x', 'y'], a: '1' },
      ),
    ).toEqual([]);
  });

  it('names a changed setting with the document spelling and both values', () => {
    const changes = diffSettings(
      { passwordauthentication: 'no' },
      { passwordauthentication: 'yes' },
      { names: { passwordauthentication: 'PasswordAuthentication' } },
    );
    expect(changes).toEqual([
      {
        type: 'setting-changed',
        path: 'passwordauthentication',
        from: 'no',
        to: 'yes',
        description: 'PasswordAuthentication changed from no to yes',
      },
    ]);
  });

  it('compares lists as values, order included, and shows them comma-joined', () => {
    expect(diffSettings({ ciphers: ['a', 'b'] }, { ciphers: ['a', 'b', 'c'] })[0].description).toBe(
      'ciphers changed from a,b to a,b,c',
    );
    expect(diffSettings({ ciphers: ['a', 'b'] }, { ciphers: ['b', 'a'] })).toHaveLength(1);
  });

  it('reports added and removed settings, sorted by key whatever the input order', () => {
    const changes = diffSettings({ zeta: '1', alpha: '2' }, { beta: '3', alpha: '2' });
    expect(changes.map((c) => [c.type, c.path, c.description])).toEqual([
      ['setting-added', 'beta', 'beta added: 3'],
      ['setting-removed', 'zeta', 'zeta removed (was 1)'],
    ]);
  });

  it('treats a key whose value is undefined as absent', () => {
    expect(diffSettings({ a: undefined }, {})).toEqual([]);
    expect(diffSettings({}, { a: undefined, b: '' })[0]).toMatchObject({
      path: 'b',
      description: 'b added: (empty)',
    });
  });

  it('reads keys such as constructor and __proto__ as ordinary settings', () => {
    const before = JSON.parse('{"__proto__": "1", "constructor": "x"}') as Record<string, unknown>;
    const after = JSON.parse('{"__proto__": "2"}') as Record<string, unknown>;
    expect(diffSettings(before, after).map((c) => c.description)).toEqual([
      '__proto__ changed from 1 to 2',
      'constructor removed (was x)',
    ]);
  });
});

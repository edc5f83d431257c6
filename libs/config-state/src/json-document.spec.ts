import { ConfigParseError } from './config-parse-error';
import { diffJson, jsonDocumentHandler, userSchemaProblems } from './json-document';

describe('JSON documents with registered schemas', () => {
  const schema = {
    type: 'object',
    required: ['vpn'],
    properties: {
      vpn: {
        type: 'object',
        additionalProperties: false,
        properties: { mfa: { type: 'boolean' }, peers: { type: 'array', items: { type: 'string' } } },
      },
    },
  };

  it('accepts a sound schema and refuses typos, remote references, bad names and non-objects', () => {
    expect(userSchemaProblems('vpn-settings', schema)).toEqual([]);
    expect(userSchemaProblems('vpn', { type: 'object', requred: ['x'] })[0]?.field).toBe('schema');
    expect(userSchemaProblems('vpn', { properties: { a: { $ref: 'http://example.com/s.json' } } })).toEqual([
      { field: 'schema/properties/a/$ref', reason: 'a $ref must point inside the schema ("#...")' },
    ]);
    expect(userSchemaProblems('Bad Name', schema).map((p) => p.field)).toEqual(['name']);
    expect(userSchemaProblems('vpn', [1, 2]).map((p) => p.field)).toEqual(['schema']);
  });

  it('parses a valid document into facts and refuses an invalid one with JSON pointers', () => {
    const handler = jsonDocumentHandler('vpn-settings-test', schema);
    expect(handler.parse('{"vpn": {"mfa": true}}')).toEqual({
      schema: 'vpn-settings-test',
      document: { vpn: { mfa: true } },
    });
    const refusal = (content: string): ConfigParseError => {
      try {
        handler.parse(content);
      } catch (error) {
        if (error instanceof ConfigParseError) return error;
        throw error;
      }
      throw new Error('accepted');
    };
    expect(refusal('{"vpn": {"mfa": "yes", "split": 1}}').problems).toEqual([
      { pointer: '/vpn', reason: 'must NOT have additional properties (split)' },
      { pointer: '/vpn/mfa', reason: 'must be boolean' },
    ]);
    expect(refusal('{\n"vpn": {\n  "mfa": tru\n}}').problems).toEqual([
      { line: 3, reason: 'is not valid JSON' },
    ]);
  });

  it('diffs two documents leaf by leaf, arrays as whole values', () => {
    expect(
      diffJson(
        { vpn: { mfa: false, peers: ['a'] }, old: 1 },
        { vpn: { mfa: true, peers: ['a', 'b'] }, added: 'x' },
      ),
    ).toEqual([
      { type: 'setting-added', path: '/added', to: 'x', description: '/added added: "x"' },
      { type: 'setting-removed', path: '/old', from: 1, description: '/old removed (was 1)' },
      {
        type: 'setting-changed',
        path: '/vpn/mfa',
        from: false,
        to: true,
        description: '/vpn/mfa changed from false to true',
      },
      {
        type: 'setting-changed',
        path: '/vpn/peers',
        from: ['a'],
        to: ['a', 'b'],
        description: '/vpn/peers changed from ["a"] to ["a","b"]',
      },
    ]);
  });
});

import { ErrorCode } from '@driftwatch/core';
import { parsePolicyPack, PolicyError } from '@driftwatch/policy-engine';

const VALID_RULE = `id: test.telnet
title: Telnet open
requirements: ['PCI DSS v4.0.1 1.2.6']
severity: high
subject: service
where:
  type: object
  properties:
    port:
      type: object
      properties:
        service: { type: object, properties: { name: { const: telnet } }, required: [name] }
      required: [service]
expect: false
message: '{{address}} runs telnet'
fixtures:
  fail:
    - port: { protocol: tcp, port: 23, service: { name: telnet } }
  pass:
    - port: { protocol: tcp, port: 22, service: { name: ssh } }
`;

function parseError(text: string, path = 'rules/bad.yaml'): PolicyError {
  try {
    parsePolicyPack('test', [{ path, text }]);
  } catch (error: unknown) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('parsePolicyPack', () => {
  it('reads a YAML rule and records the file it came from', () => {
    const pack = parsePolicyPack('test', [{ path: 'rules/telnet.yaml', text: VALID_RULE }]);
    expect(pack.name).toBe('test');
    expect(pack.rules).toHaveLength(1);
    expect(pack.rules[0]).toMatchObject({ id: 'test.telnet', severity: 'high', source: 'rules/telnet.yaml' });
  });

  it('reads a JSON rule file the same way', () => {
    const pack = parsePolicyPack('test', [{ path: 'rules/telnet.yaml', text: VALID_RULE }]);
    const { source: _source, ...rule } = pack.rules[0];
    const fromJson = parsePolicyPack('test', [
      { path: 'rules/telnet.json', text: JSON.stringify(rule, null, 2) },
    ]);
    expect(fromJson.rules[0]).toEqual({ ...rule, source: 'rules/telnet.json' });
  });

  it('reports a YAML syntax error with the file, line and column', () => {
    const error = parseError('id: test.broken\ntitle: [unclosed\nseverity: high\n');
    expect(error.code).toBe(ErrorCode.PolicyInvalid);
    expect(error.details).toMatchObject({ file: 'rules/bad.yaml', pointer: '' });
    expect(error.details.line).toBeGreaterThanOrEqual(2);
    expect(error.details.reason).toMatch(/^syntax error/);
    expect(error.message).toContain('rules/bad.yaml:');
  });

  it('refuses YAML aliases that expand a thousandfold or refer to themselves, as a PolicyError', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      levels.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const bomb = parseError(`${VALID_RULE}x-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`);
    expect(bomb.details).toMatchObject({ file: 'rules/bad.yaml', pointer: '' });
    expect(bomb.details.reason).toMatch(/YAML aliases expand too far/);

    const cyclic = parseError(
      VALID_RULE.replace('expect: false', 'expect: &e { type: object, properties: { a: *e } }'),
    );
    expect(cyclic.details).toMatchObject({ pointer: '/expect/properties/a' });
    expect(cyclic.details.reason).toMatch(/refers to a node that contains it/);
    expect(cyclic.details.line).toBe(14);
  });

  it('reports a duplicate key as a syntax error rather than keeping the last value', () => {
    const error = parseError(`severity: low\n${VALID_RULE}`);
    expect(error.details.reason).toMatch(/syntax error/);
  });

  it('rejects an unknown severity, naming the file, the pointer and the line', () => {
    const error = parseError(VALID_RULE.replace('severity: high', 'severity: urgent'));
    expect(error.details).toMatchObject({
      file: 'rules/bad.yaml',
      pointer: '/severity',
      line: 4,
      column: 11,
    });
    expect(error.details.reason).toContain('"critical", "high", "medium", "low", "info"');
    expect(error.message).toContain('rules/bad.yaml:4:11 (rule test.telnet) at /severity');
  });

  it('rejects a rule without an id, pointing at /id', () => {
    const error = parseError(VALID_RULE.replace('id: test.telnet\n', ''));
    expect(error.details).toMatchObject({ pointer: '/id', line: 1 });
    expect(error.details.reason).toContain("must have required property 'id'");
  });

  it('rejects a misspelt member instead of ignoring it', () => {
    const error = parseError(
      VALID_RULE.replace('remediation', 'x').replace('subject: service', 'subject: service\nremedation: fix'),
    );
    expect(error.details).toMatchObject({
      pointer: '/remedation',
      line: 6,
      reason: 'unknown property "remedation"',
    });
  });

  it('rejects an id that is not lower-case dotted words', () => {
    expect(parseError(VALID_RULE.replace('id: test.telnet', 'id: Test Telnet')).details.pointer).toBe('/id');
  });

  it('rejects a rule with no pass fixture', () => {
    const text = VALID_RULE.replace(/ {2}pass:\n.*\n$/, '');
    expect(parseError(text).details.pointer).toBe('/fixtures/pass');
  });

  it('rejects a malformed fixture, pointing inside it', () => {
    const error = parseError(VALID_RULE.replace('port: 22,', 'port: "twenty-two",'));
    expect(error.details).toMatchObject({ pointer: '/fixtures/pass/0/port/port', line: 20 });
  });

  it('rejects an empty file', () => {
    expect(parseError('').details.reason).toBe('must be object');
  });
});

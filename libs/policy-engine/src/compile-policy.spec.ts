import {
  assertFixtures,
  compilePolicy,
  parsePolicyPack,
  PolicyError,
  type PolicyPack,
  testPolicy,
} from '@driftwatch/policy-engine';

interface RuleOptions {
  id?: string;
  when?: string;
  failPort?: number;
  passPort?: number;
  message?: string;
  severity?: string;
}

// Rule text with the selector indented under `where:` (every match fails); each option replaces one part.
function ruleText(options: RuleOptions = {}): string {
  const when =
    options.when ??
    `type: object
properties:
  port: { type: object, properties: { port: { const: 23 } }, required: [port] }`;
  return `id: ${options.id ?? 'test.telnet-port'}
title: Port 23 open
requirements: ['PCI DSS v4.0.1 1.2.6']
severity: ${options.severity ?? 'high'}
subject: service
where:
${when.replace(/^/gm, '  ')}
expect: false
message: '${options.message ?? '{{address}} {{port.protocol}}/{{port.port}} is open'}'
fixtures:
  fail:
    - port: { protocol: tcp, port: ${options.failPort ?? 23} }
  pass:
    - port: { protocol: tcp, port: ${options.passPort ?? 22} }
`;
}

function pack(...texts: string[]): PolicyPack {
  return parsePolicyPack(
    'test',
    texts.map((text, i) => ({ path: `rules/rule-${i}.yaml`, text })),
  );
}

function compileError(p: PolicyPack): PolicyError {
  try {
    assertFixtures(compilePolicy(p));
  } catch (error: unknown) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

function packError(text: string): PolicyError {
  try {
    pack(text);
  } catch (error: unknown) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('compilePolicy', () => {
  it('compiles a pack and reports its name, rule count and a content version', () => {
    const policy = compilePolicy(pack(ruleText()));
    expect(policy).toMatchObject({ name: 'test', ruleCount: 1 });
    expect(policy.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a duplicate rule id, naming the second file and the first', () => {
    const error = compileError(pack(ruleText(), ruleText()));
    expect(error.details).toMatchObject({ file: 'rules/rule-1.yaml', pointer: '/id', line: 1 });
    expect(error.details.reason).toContain('also defined in rules/rule-0.yaml');
  });

  it('rejects a condition with an unknown keyword (strict mode), pointing at /where', () => {
    const error = compileError(pack(ruleText({ when: 'type: object\nproprties: {}' })));
    expect(error.details).toMatchObject({ file: 'rules/rule-0.yaml', pointer: '/where', line: 7 });
    expect(error.details.reason).toContain('unknown keyword: "proprties"');
  });

  it('rejects a condition that is not valid JSON Schema', () => {
    const error = compileError(
      pack(ruleText({ when: 'type: object\nproperties: { port: { type: strin } }' })),
    );
    expect(error.details.pointer).toBe('/where');
    expect(error.details.reason).toContain('schema is invalid');
  });

  it('rejects a pattern that can take exponential time, before any fixture runs it', () => {
    const error = compileError(
      pack(
        ruleText({
          when: "type: object\nproperties: { address: { type: string, pattern: '^(a+)+$' } }",
        }),
      ),
    );
    expect(error.details).toMatchObject({ file: 'rules/rule-0.yaml', pointer: '/where' });
    expect(error.details.reason).toMatch(/\^\(a\+\)\+\$.*exponential time/);
  });

  it('rejects a fail fixture the condition does not match, pointing at the fixture', () => {
    const error = compileError(pack(ruleText({ failPort: 24 })));
    expect(error.details).toMatchObject({ file: 'rules/rule-0.yaml', pointer: '/fixtures/fail/0', line: 14 });
    expect(error.message).toContain(
      'rules/rule-0.yaml:14:7 (rule test.telnet-port) at /fixtures/fail/0: fail fixture 0 passes',
    );
  });

  it('rejects a pass fixture the condition matches', () => {
    const error = compileError(pack(ruleText({ passPort: 23 })));
    expect(error.details).toMatchObject({ pointer: '/fixtures/pass/0', line: 16 });
    expect(error.details.reason).toContain('pass fixture 0 fails');
  });

  it('reports every fixture outcome, as opa test does', () => {
    const outcomes = testPolicy(compilePolicy(pack(ruleText({ failPort: 24 }))));
    expect(outcomes.map((o) => [o.expectation, o.index, o.ok, o.findings])).toEqual([
      ['fail', 0, false, 0],
      ['pass', 0, true, 0],
    ]);
  });

  it('rejects an unjudged fixture the rule judges, and accepts one it cannot', () => {
    const withEvidence = (evidence: string) =>
      `${ruleText().replace('port: 23 }', 'port: 23, service: { name: telnet } }')}  unjudged:\n    - port: { protocol: tcp, port: 23 }\nevidence: ${evidence}\n`;
    // The unjudged fixture's port 23 has no service, so a rule that needs one cannot judge it.
    const needsProduct =
      '{ type: object, required: [port], properties: { port: { type: object, required: [service], properties: { service: { type: object } } } } }';
    expect(testPolicy(compilePolicy(pack(withEvidence(needsProduct)))).every((o) => o.ok)).toBe(true);
    const error = compileError(pack(withEvidence('true')));
    expect(error.details).toMatchObject({ pointer: '/fixtures/unjudged/0' });
    expect(error.details.reason).toContain('unjudged fixture 0 fails: the rule reports 1 finding(s) for it');
  });

  it('rejects evidence on a relational rule', () => {
    const relational = `id: test.cov
title: Coverage
requirements: ['PCI DSS v4.0.1 10.7.2']
severity: high
kind: coverage
params: { check: failed-scan }
evidence: true
message: 'gap'
fixtures: { fail: [{}], pass: [{}] }
`;
    expect(packError(relational).details).toMatchObject({ pointer: '/evidence' });
  });

  it('rejects a condition rule with params and a relational rule with a condition', () => {
    const withParams = ruleText().replace('expect: false', 'expect: false\nparams: {}');
    expect(packError(withParams).details).toMatchObject({ pointer: '/params', line: 11 });
    const relational = ruleText().replace(
      'subject: service',
      'kind: coverage\nparams: { check: failed-scan }',
    );
    expect(packError(relational).details).toMatchObject({ pointer: '/where', line: 8 });
  });

  it('rejects a relational rule with an unknown parameter, naming it', () => {
    const text = `id: test.cov
title: Coverage
requirements: ['PCI DSS v4.0.1 10.7.2']
severity: high
kind: coverage
params: { check: failed-scan, dayz: 3 }
message: 'gap'
fixtures: { fail: [{}], pass: [{}] }
`;
    const error = compileError(pack(text));
    expect(error.details).toMatchObject({ pointer: '/params/dayz', line: 6 });
    expect(error.details.reason).toContain('unknown coverage parameter "dayz"');
  });

  it('rejects a message placeholder outside the subject', () => {
    const error = compileError(pack(ruleText({ message: '{{constructor.name}} is open' })));
    expect(error.details).toMatchObject({ pointer: '/message', line: 11 });
  });

  it('checks rules built in code as strictly as rules read from files', () => {
    const [rule] = pack(ruleText()).rules;
    const error = compileError({
      name: 'code',
      rules: [{ ...rule, severity: 'urgent' as never, source: 'code' }],
    });
    expect(error.details).toMatchObject({ file: 'code', pointer: '/severity' });
    expect(error.details.line).toBeUndefined();
  });

  describe('version', () => {
    const base = compilePolicy(
      pack(ruleText(), ruleText({ id: 'test.other', failPort: 24, when: otherWhen() })),
    );

    it('is the same for the same rules, whatever their files or order', () => {
      const reordered = parsePolicyPack('renamed', [
        { path: 'elsewhere/b.yaml', text: ruleText({ id: 'test.other', failPort: 24, when: otherWhen() }) },
        { path: 'elsewhere/a.yaml', text: ruleText() },
      ]);
      expect(compilePolicy(reordered).version).toBe(base.version);
    });

    it('changes when any rule changes', () => {
      const changed = compilePolicy(
        pack(
          ruleText({ severity: 'critical' }),
          ruleText({ id: 'test.other', failPort: 24, when: otherWhen() }),
        ),
      );
      expect(changed.version).not.toBe(base.version);
    });
  });

  it('is unaffected by later changes to the pack it was compiled from', () => {
    const source = pack(ruleText());
    const policy = compilePolicy(source);
    source.rules[0].severity = 'low';
    (source.rules[0] as { where: { properties: unknown } }).where.properties = {};
    expect(policy.rules[0].rule.severity).toBe('high');
    expect(policy.version).toBe(compilePolicy(pack(ruleText())).version);
  });
});

function otherWhen(): string {
  return 'type: object\nproperties:\n  port: { type: object, properties: { port: { const: 24 } }, required: [port] }';
}

import { resolve } from 'node:path';
import { DriftwatchError, ErrorCode, type HostObservation, type PortObservation } from '@driftwatch/core';
import {
  compilePolicy,
  DEFAULT_POLICY_DIR_NAME,
  evaluate,
  type EvaluationInput,
  loadPolicyPack,
  type ScopeView,
} from '@driftwatch/policy-engine';

// Three shipped rules, so these tests do not change as the pack grows.
const shipped = loadPolicyPack(resolve(__dirname, '..', '..', '..', 'policies', DEFAULT_POLICY_DIR_NAME));
const RULE_IDS = [
  'pci-dss-v4.1.2.5-open-port-not-approved',
  'pci-dss-v4.1.2.6-insecure-cleartext-service',
  'pci-dss-v4.4.2.1-web-service-without-tls',
];
const policy = compilePolicy({ name: 'subset', rules: shipped.rules.filter((r) => RULE_IDS.includes(r.id)) });
const NOW = new Date('2026-04-02T10:00:00Z');

function run(scope: ScopeView, hosts: HostObservation[], extra: Partial<EvaluationInput> = {}) {
  return evaluate(policy, { snapshot: { scope, hosts }, now: NOW, ...extra }).results;
}

function port(
  protocol: PortObservation['protocol'],
  number: number,
  service?: PortObservation['service'],
  state: PortObservation['state'] = 'open',
): PortObservation {
  return { protocol, port: number, state, reason: 'syn-ack', ...(service ? { service } : {}), scripts: [] };
}

function host(
  addr: string,
  ports: PortObservation[],
  status: HostObservation['status'] = 'up',
): HostObservation {
  return {
    status,
    addresses: [{ addr, type: 'ipv4' }],
    hostnames: [],
    ports,
    extraPorts: [],
    os: [],
    scripts: [],
  };
}

const scope: ScopeView = { id: 'cde', vantage: 'default', approvedPorts: [22, 443, 3000] };

// Deliberately out of order: results must not depend on input order.
const hosts: HostObservation[] = [
  host('10.0.0.10', [
    port('tcp', 3000, { name: 'http', product: 'Node.js Express framework', cpe: [] }),
    port('tcp', 443, { name: 'http', product: 'nginx', tunnel: 'ssl', cpe: [] }),
  ]),
  host('10.0.0.2', [
    port('tcp', 23, { name: 'telnet', product: 'Linux telnetd', cpe: [] }),
    port('tcp', 22, { name: 'ssh', product: 'OpenSSH', version: '9.6p1', cpe: [] }),
    port('tcp', 21, { name: 'ftp', cpe: [] }, 'filtered'),
    port('udp', 161, { name: 'snmp', cpe: [] }, 'open|filtered'),
  ]),
  host('10.0.0.3', [port('tcp', 23, { name: 'telnet', cpe: [] })], 'down'),
];

describe('evaluate', () => {
  it('reports each failing rule per open port, ordered by address, port and rule id', () => {
    const results = run(scope, hosts);
    expect(results.map((r) => `${r.asset} ${r.subject} ${r.ruleId}`)).toEqual([
      '10.0.0.2 tcp/23 pci-dss-v4.1.2.5-open-port-not-approved',
      '10.0.0.2 tcp/23 pci-dss-v4.1.2.6-insecure-cleartext-service',
      '10.0.0.10 tcp/3000 pci-dss-v4.4.2.1-web-service-without-tls',
    ]);
  });

  it('judges only open ports on hosts that are up', () => {
    const results = run(scope, hosts);
    expect(results.some((r) => r.asset === '10.0.0.3')).toBe(false);
    expect(results.some((r) => r.subject === 'tcp/21' || r.subject === 'udp/161')).toBe(false);
  });

  it('fills the finding from the rule, the rendered message and the port evidence', () => {
    const telnet = run(scope, hosts).find((r) => r.ruleId.includes('cleartext'));
    // Evidence is an accessor (built when first read): compare the result as it serialises.
    expect(JSON.parse(JSON.stringify(telnet))).toEqual({
      ruleId: 'pci-dss-v4.1.2.6-insecure-cleartext-service',
      title: 'Insecure cleartext service exposed',
      requirements: expect.arrayContaining([
        'PCI DSS v4.0.1 1.2.6',
        'PCI DSS v4.0.1 2.2.7',
        'PCI DSS v4.0.1 8.3.2',
      ]) as unknown,
      severity: 'high',
      asset: '10.0.0.2',
      subject: 'tcp/23',
      port: 23,
      protocol: 'tcp',
      message: '10.0.0.2 tcp/23 runs telnet, a cleartext protocol that exposes credentials and data',
      remediation: expect.stringContaining('SSH instead of telnet') as unknown,
      evidence: {
        address: '10.0.0.2',
        protocol: 'tcp',
        port: 23,
        state: 'open',
        reason: 'syn-ack',
        service: { name: 'telnet', product: 'Linux telnetd' },
        facts: [],
        nmap: '<port protocol="tcp" portid="23"><state state="open" reason="syn-ack"/><service name="telnet" product="Linux telnetd"/></port>',
      },
    });
  });

  it('builds evidence once, when first read; its JSON form holds it; a caller may replace it', () => {
    const telnet = run(scope, hosts).find((r) => r.ruleId.includes('cleartext'));
    if (!telnet) throw new Error('no telnet result');
    const first = telnet.evidence;
    expect(telnet.evidence).toBe(first);
    expect((JSON.parse(JSON.stringify(telnet)) as { evidence: unknown }).evidence).toEqual(first);
    telnet.evidence = { replaced: true };
    expect(telnet.evidence).toEqual({ replaced: true });
    expect(JSON.stringify(telnet)).not.toContain('"remediation":null');
  });

  it('reads the approved ports from the scope ($data), so the same port passes or fails per scope', () => {
    const hostsOf = [host('10.0.0.5', [port('tcp', 8443, { name: 'https-alt', tunnel: 'ssl', cpe: [] })])];
    expect(run({ id: 'a', vantage: 'default', approvedPorts: [8443] }, hostsOf)).toEqual([]);
    const [result] = run({ id: 'b', vantage: 'default', approvedPorts: [] }, hostsOf);
    expect(result).toMatchObject({ ruleId: 'pci-dss-v4.1.2.5-open-port-not-approved', subject: 'tcp/8443' });
    expect(result.message).toBe(
      '10.0.0.5 tcp/8443 (https-alt) is open but not approved for scope b, zone unknown or role unknown',
    );
    // The failing fact: the port key, at its JSON pointer in the subject.
    expect(result.evidence.facts).toEqual([
      { pointer: '/portKey', value: 'tcp/8443', reason: 'must be one of the listed values' },
    ]);
  });

  it('names every failing fact in the evidence, not only the first: each weak SSH cipher', () => {
    const weakCiphers = compilePolicy({
      name: 'ssh',
      rules: shipped.rules.filter((r) => r.id === 'pci-dss-v4.2.2.7-ssh-weak-ciphers'),
    });
    const ssh = {
      kexAlgorithms: ['curve25519-sha256'],
      hostKeyAlgorithms: ['ssh-ed25519'],
      encryptionAlgorithms: [
        '3des-cbc',
        'aes128-ctr',
        'blowfish-cbc',
        'arcfour256',
        'chacha20-poly1305@openssh.com',
      ],
      macAlgorithms: ['hmac-sha2-256'],
      compressionAlgorithms: ['none'],
      errors: [],
    };
    const hostsOf = [host('10.0.0.9', [{ ...port('tcp', 22, { name: 'ssh', cpe: [] }), ssh }])];
    const [result, ...rest] = evaluate(weakCiphers, {
      snapshot: { scope, hosts: hostsOf },
      now: NOW,
    }).results;
    expect(rest).toEqual([]);
    expect(result?.evidence.facts).toEqual(
      [
        ['/ssh/encryptionAlgorithms/0', '3des-cbc'],
        ['/ssh/encryptionAlgorithms/2', 'blowfish-cbc'],
        ['/ssh/encryptionAlgorithms/3', 'arcfour256'],
      ].map(([pointer, value]) => ({ pointer, value, reason: 'must NOT be valid' })),
    );
  });

  it('approves ports per zone and per role from the context, as "protocol/port" keys', () => {
    const hostsOf = [host('10.1.0.5', [port('tcp', 5432, { name: 'postgresql', cpe: [] }), port('udp', 53)])];
    const context = {
      zones: [
        { name: 'db', networks: ['10.1.0.0/16'], classification: 'cde' as const, approvedPorts: ['udp/53'] },
      ],
      roles: [{ name: 'database', approvedPorts: ['tcp/5432'] }],
      inventory: [{ address: '10.1.0.5', role: 'database' }],
    };
    expect(run({ id: 's', vantage: 'default', approvedPorts: [] }, hostsOf, { context })).toEqual([]);
    const withoutRole = run({ id: 's', vantage: 'default', approvedPorts: [] }, hostsOf, {
      context: { ...context, inventory: [] },
    });
    expect(withoutRole.map((r) => r.subject)).toEqual(['tcp/5432']);
    expect(withoutRole[0].message).toContain('zone db or role unknown');
  });

  it('renders "unknown" for a value nmap did not report and omits it from the evidence', () => {
    const [result] = run({ id: 's', vantage: 'default', approvedPorts: [23] }, [
      host('10.0.0.6', [port('tcp', 23)]),
    ]);
    expect(result.message).toBe(
      '10.0.0.6 tcp/23 runs unknown, a cleartext protocol that exposes credentials and data',
    );
    expect(result.evidence).toEqual({
      address: '10.0.0.6',
      protocol: 'tcp',
      port: 23,
      state: 'open',
      reason: 'syn-ack',
      facts: [],
      nmap: '<port protocol="tcp" portid="23"><state state="open" reason="syn-ack"/></port>',
    });
  });

  it('compiled once, gives identical results on every evaluation and whatever the input order', () => {
    const first = run(scope, hosts);
    for (let i = 0; i < 5; i += 1) expect(run(scope, hosts)).toEqual(first);
    const shuffled = [...hosts].reverse().map((h) => ({ ...h, ports: [...h.ports].reverse() }));
    expect(run(scope, shuffled)).toEqual(first);
  });

  it('does not modify its input', () => {
    const input: EvaluationInput = { snapshot: { scope, hosts }, now: NOW };
    const before = JSON.stringify(input);
    evaluate(policy, input);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('refuses a scope without a list of approved ports rather than guessing', () => {
    const bad = { id: 'x', vantage: 'default', approvedPorts: undefined as unknown as number[] };
    expect(() => run(bad, hosts)).toThrow(DriftwatchError);
    try {
      run(bad, hosts);
    } catch (error: unknown) {
      expect((error as DriftwatchError).code).toBe(ErrorCode.ValidationFailed);
    }
  });

  it('returns nothing for an empty snapshot', () => {
    expect(run(scope, [])).toEqual([]);
  });

  it('records the policy version and the evaluation time it judged at', () => {
    const evaluation = evaluate(policy, { snapshot: { scope, hosts }, now: NOW });
    expect(evaluation).toMatchObject({
      policy: 'subset',
      policyVersion: policy.version,
      evaluatedAt: NOW.toISOString(),
    });
  });

  it('keeps json documents of two schemas on one asset apart: each its own subject and finding', () => {
    const jsonPolicy = compilePolicy({
      name: 'json',
      rules: [
        {
          id: 'custom.json-reviewed',
          source: 'custom/json-reviewed.yaml',
          title: 'a json document is not reviewed',
          requirements: ['custom'],
          severity: 'low',
          subject: 'config',
          where: {
            type: 'object',
            required: ['document'],
            properties: { document: { type: 'object', properties: { kind: { const: 'json' } } } },
          },
          expect: {
            type: 'object',
            properties: {
              document: {
                type: 'object',
                properties: {
                  facts: {
                    type: 'object',
                    properties: {
                      document: {
                        type: 'object',
                        required: ['reviewed'],
                        properties: { reviewed: { const: true } },
                      },
                    },
                  },
                },
              },
            },
          },
          message: '{{address}}: {{document.schema}} is not reviewed',
          fixtures: {
            fail: [
              {
                documents: [{ kind: 'json', asset: 'a', schema: 'x', facts: { schema: 'x', document: {} } }],
              },
            ],
            pass: [
              {
                documents: [
                  {
                    kind: 'json',
                    asset: 'a',
                    schema: 'x',
                    facts: { schema: 'x', document: { reviewed: true } },
                  },
                ],
              },
            ],
          },
        },
      ],
    });
    const document = (schema: string) => ({
      kind: 'json',
      asset: 'app-1',
      schema,
      facts: { schema, document: {} },
    });
    const results = evaluate(jsonPolicy, {
      snapshot: { scope, hosts: [] },
      documents: [document('app-settings'), document('card-inventory')],
      now: NOW,
    }).results;
    expect(results.map((r) => [r.subject, r.message])).toEqual([
      ['config:json:app-settings', 'app-1: app-settings is not reviewed'],
      ['config:json:card-inventory', 'app-1: card-inventory is not reviewed'],
    ]);
  });
});

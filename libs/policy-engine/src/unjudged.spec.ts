import type { HostObservation, PortObservation, TlsFacts } from '@driftwatch/core';
import {
  compilePolicy,
  type ConditionRule,
  evaluate,
  type EvaluationInput,
  unjudgedFindings,
} from '@driftwatch/policy-engine';

const rule = (id: string, extra: Partial<ConditionRule>): ConditionRule => ({
  id,
  title: id,
  requirements: ['PCI DSS v4.0.1 4.2.1'],
  severity: 'high',
  message: '{{address}} {{portKey}}',
  fixtures: { pass: [{ port: { port: 1 } }], fail: [{ port: { port: 1 } }] },
  source: `${id}.yaml`,
  subject: 'service',
  expect: true,
  ...extra,
});

// A TLS rule that reads the cipher list ssl-enum-ciphers gives, and a service rule that reads
// nothing a script gives.
const policy = compilePolicy({
  name: 'unjudged',
  rules: [
    rule('no-rc4', {
      subject: 'tls',
      expect: {
        type: 'object',
        properties: {
          tls: {
            type: 'object',
            properties: {
              ciphers: {
                type: 'array',
                items: { type: 'object', properties: { name: { type: 'string', not: { pattern: 'RC4' } } } },
              },
            },
          },
        },
      },
      evidence: {
        type: 'object',
        properties: {
          tls: { type: 'object', properties: { ciphers: { type: 'array', minItems: 1 } } },
        },
      },
    }),
    rule('no-telnet', {
      where: {
        type: 'object',
        properties: { port: { type: 'object', properties: { port: { const: 23 } } } },
      },
      expect: false,
    }),
  ],
});

const tls = (ciphers: string[]): TlsFacts => ({
  versions: ['TLSv1.2'],
  ciphers: ciphers.map((name) => ({ protocol: 'TLSv1.2', name })),
  errors: ciphers.length === 0 ? ['ssl-enum-ciphers: ERROR: Script execution failed'] : [],
});

function port(number: number, extra: Partial<PortObservation> = {}): PortObservation {
  return { protocol: 'tcp', port: number, state: 'open', reason: 'syn-ack', scripts: [], ...extra };
}

function input(ports: PortObservation[], status: HostObservation['status'] = 'up'): EvaluationInput {
  return {
    snapshot: {
      scope: { id: 's', vantage: 'default', approvedPorts: [] },
      hosts: [
        {
          status,
          addresses: [{ addr: '192.0.2.10', type: 'ipv4' }],
          hostnames: [],
          ports,
          extraPorts: [],
          os: [],
          scripts: [],
        },
      ],
    },
    now: new Date('2026-01-01T00:00:00Z'),
  };
}

const ref = (ruleId: string, subject: string) => ({ ruleId, asset: '192.0.2.10', subject });

describe('findings a snapshot cannot judge', () => {
  it('leaves a finding unjudged when the script its rule reads failed or gave nothing', () => {
    const failed = input([port(443, { tls: tls([]) }), port(8443)]);
    expect(unjudgedFindings(policy, failed, [ref('no-rc4', 'tcp/443'), ref('no-rc4', 'tcp/8443')])).toEqual([
      ref('no-rc4', 'tcp/443'),
      ref('no-rc4', 'tcp/8443'),
    ]);
    // Nor does the evaluation report the subject without evidence, whatever `expect` says of it.
    expect(evaluate(policy, failed).results).toEqual([]);
  });

  it('judges a finding whose port closed, whose host went down, or whose facts show it fixed', () => {
    const refs = [ref('no-rc4', 'tcp/443')];
    expect(unjudgedFindings(policy, input([port(443, { state: 'closed' })]), refs)).toEqual([]);
    expect(unjudgedFindings(policy, input([port(443, { tls: tls([]) })], 'down'), refs)).toEqual([]);
    expect(unjudgedFindings(policy, input([]), refs)).toEqual([]);
    expect(
      unjudgedFindings(policy, input([port(443, { tls: tls(['TLS_AES_128_GCM_SHA256']) })]), refs),
    ).toEqual([]);
  });

  it('always judges rules that read no script facts, and rules no longer in the policy', () => {
    const snapshot = input([port(23), port(443, { tls: tls([]) })]);
    expect(
      unjudgedFindings(policy, snapshot, [ref('no-telnet', 'tcp/23'), ref('removed-rule', 'tcp/443')]),
    ).toEqual([]);
  });

  it('reports what still fails when the evidence is there', () => {
    const results = evaluate(policy, input([port(443, { tls: tls(['TLS_RSA_WITH_RC4_128_SHA']) })])).results;
    expect(results.map((r) => [r.ruleId, r.subject])).toEqual([['no-rc4', 'tcp/443']]);
  });
});

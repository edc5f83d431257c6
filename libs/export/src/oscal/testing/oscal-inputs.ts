import type { OscalAssessmentResultsInput, OscalFindingInput, OscalRuleInput } from '../assessment-results';

/** Example evaluations for tests of the OSCAL export: none failing, many failing, odd text. */
export const OSCAL_RULES: OscalRuleInput[] = [
  {
    id: 'pci.2.2.7.cleartext-admin',
    title: 'Insecure cleartext service',
    requirements: ['PCI DSS v4.0.1 1.2.6', 'PCI DSS v4.0.1 2.2.7', 'PCI DSS v4.0.1 8.3.2'],
    severity: 'high',
    remediation: 'Replace telnet with SSH.',
  },
  {
    id: 'pci.1.2.5.open-port-not-approved',
    title: 'Open port not approved',
    requirements: ['PCI DSS v4.0.1 1.2.5'],
    severity: 'medium',
  },
];

export function oscalEvaluation(
  findings: OscalFindingInput[],
  overrides: Partial<OscalAssessmentResultsInput['evaluation']> = {},
): OscalAssessmentResultsInput {
  return {
    evaluation: {
      id: '6f1c1a52-4b7e-4f0e-9d6a-0a4c1b2d3e4f',
      scope: { id: '0b7c3f7e-1d2a-4e5f-8a9b-1c2d3e4f5a6b', name: 'CDE production' },
      snapshot: {
        id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        contentHash: 'a'.repeat(64),
        takenAt: '2026-03-31T11:58:00.000Z',
      },
      policy: { name: 'pci-dss-v4', version: 'pci-dss-v4@3f2a9c1' },
      evaluatedAt: '2026-03-31T12:00:00.000Z',
      ...overrides,
    },
    rules: OSCAL_RULES,
    findings,
  };
}

export function oscalFinding(n: number, overrides: Partial<OscalFindingInput> = {}): OscalFindingInput {
  const telnet = n % 2 === 0;
  const rule = OSCAL_RULES[telnet ? 0 : 1];
  const asset = `10.0.${Math.floor(n / 10)}.${n % 10}`;
  return {
    fingerprint: `fp-${n.toString().padStart(4, '0')}`,
    ruleId: rule.id,
    title: rule.title,
    requirements: rule.requirements,
    severity: rule.severity,
    asset,
    subject: telnet ? 'tcp/23' : `tcp/${8000 + n}`,
    message: telnet ? `${asset} tcp/23 runs telnet` : `${asset} tcp/${8000 + n} is open but not approved`,
    evidence: { port: telnet ? 23 : 8000 + n, service: telnet ? 'telnet' : 'http' },
    status: n % 7 === 0 ? 'excepted' : 'open',
    firstFailedAt: '2026-03-30T09:00:00.000Z',
    remediation: rule.remediation ?? null,
    ...overrides,
  };
}

/** Findings whose text is everything a naive exporter trips over. */
export function oddFindings(): OscalFindingInput[] {
  return [
    oscalFinding(0, {
      asset: 'host "quoted", <tag> & ünïcödé 🙂',
      subject: '  tcp/23\n\t',
      message: '  line one\r\nline two\ttabbed  ',
      title: '=cmd|" /C calc"!A0',
      evidence: { banner: '\u0000\u0007\u001b[31m', nested: { list: [1, null, 'x'] } },
      requirements: ['PCI DSS v4.0.1 2.2.7', '  weird:requirement/with spaces ', '3.4', 'Ünïcode Req 1'],
      ruleId: 'rule with spaces',
    }),
    oscalFinding(1, { requirements: [], message: '', fingerprint: 'fp with spaces\n' }),
  ];
}

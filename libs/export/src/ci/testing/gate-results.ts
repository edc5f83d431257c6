import {
  judgeGate,
  type GateFinding,
  type GateInput,
  type GateResult,
  type GateRule,
} from '@driftwatch/core';

/** Example gate judgements for tests of the CI formats, all made by the real judgeGate. */
export const GATE_RULES: GateRule[] = [
  {
    id: 'pci.2.2.7.cleartext-admin',
    title: 'Insecure cleartext service',
    requirements: ['PCI DSS v4.0.1 2.2.7', 'PCI DSS v4.0.1 8.3.2'],
    severity: 'high',
    description: 'Administrative access must be encrypted.',
    remediation: 'Replace telnet with SSH.',
  },
  {
    id: 'pci.1.2.5.open-port-not-approved',
    title: 'Open port not approved',
    requirements: ['PCI DSS v4.0.1 1.2.5'],
    severity: 'medium',
    remediation: null,
  },
  {
    id: 'pci.4.2.1.weak-tls',
    title: 'Weak TLS protocol',
    requirements: ['PCI DSS v4.0.1 4.2.1'],
    severity: 'critical',
  },
  {
    id: 'pci.11.3.1.banner',
    title: 'Version banner disclosed',
    requirements: [],
    severity: 'low',
  },
];

const RULE = new Map(GATE_RULES.map((r) => [r.id, r]));

export const GATE_NOW = '2026-03-31T12:00:00.000Z';

/** A failing finding of `ruleId` on `asset`/`subject`. */
export function gateFinding(
  ruleId: string,
  asset: string,
  subject: string,
  overrides: Partial<GateFinding & { excepted: boolean }> = {},
): GateFinding & { excepted?: boolean } {
  const rule = RULE.get(ruleId);
  return {
    id: `f-${ruleId}-${asset}-${subject}`,
    fingerprint: `fp:${ruleId}:${asset}:${subject}`,
    ruleId,
    title: rule?.title ?? ruleId,
    requirements: rule?.requirements ?? [],
    severity: rule?.severity ?? 'medium',
    asset,
    subject,
    port: /^\d+\//.test(subject) ? Number(subject.split('/')[0]) : null,
    protocol: /^\d+\//.test(subject) ? subject.split('/')[1] : null,
    message: `${rule?.title ?? ruleId} on ${asset} ${subject}`,
    remediation: rule?.remediation ?? null,
    newSinceBaseline: true,
    evidenceUrl: `/v1/findings/f-${ruleId}-${asset}-${subject}`,
    ...overrides,
  };
}

export function gateInput(findings: GateInput['findings'], overrides: Partial<GateInput> = {}): GateInput {
  return {
    scope: { id: '0b7c3f7e-1d2a-4e5f-8a9b-1c2d3e4f5a6b', name: 'CDE production' },
    failOn: 'high',
    mode: 'all',
    findings,
    rules: GATE_RULES,
    policy: { name: 'pci-dss-4', version: '3f9a2c1e0b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39' },
    baseline: { id: 'b1', takenAt: '2026-03-01T08:00:00.000Z' },
    snapshot: { id: 's1', takenAt: '2026-03-31T11:15:00.000Z' },
    maxSnapshotAgeSeconds: 86_400,
    now: GATE_NOW,
    ...overrides,
  };
}

export const gate = (findings: GateInput['findings'], overrides: Partial<GateInput> = {}): GateResult =>
  judgeGate(gateInput(findings, overrides));

/** No failing finding: the gate passes and every rule passes. */
export function passingGate(): GateResult {
  return gate([]);
}

/** Blocking high and critical findings, a non-blocking medium one, and a waived one. */
export function failingGate(): GateResult {
  return gate([
    gateFinding('pci.2.2.7.cleartext-admin', '10.0.0.5', '23/tcp'),
    gateFinding('pci.2.2.7.cleartext-admin', '10.0.0.5', '21/tcp'),
    gateFinding('pci.2.2.7.cleartext-admin', '10.0.0.7', '23/tcp'),
    gateFinding('pci.4.2.1.weak-tls', '10.0.0.9', '443/tcp'),
    gateFinding('pci.1.2.5.open-port-not-approved', '10.0.0.5', '8080/tcp'),
    gateFinding('pci.2.2.7.cleartext-admin', '10.0.0.8', '23/tcp', { excepted: true }),
  ]);
}

/** mode new: one high finding new since the baseline (blocks), one known at it (does not). */
export function newModeGate(): GateResult {
  return gate(
    [
      gateFinding('pci.2.2.7.cleartext-admin', '10.0.0.5', '23/tcp', { newSinceBaseline: false }),
      gateFinding('pci.2.2.7.cleartext-admin', '10.0.0.7', '23/tcp', { newSinceBaseline: true }),
    ],
    { mode: 'new' },
  );
}

/** Findings whose every text field is hostile: markup, control characters, mentions, links. */
export function hostileGate(): GateResult {
  const hostile =
    'x | y\n<script>alert(1)</script> `code` @admin [link](https://evil.example) ]]> &amp; "q" \'a\' \u0000\u0007\u001b\uFFFE\ud800 www.evil.example **b**';
  return gate(
    [
      gateFinding('pci.2.2.7.cleartext-admin', 'fe80::1%eth0', '23/tcp', {
        message: hostile,
        title: hostile,
        remediation: hostile,
        requirements: [hostile, 'PCI DSS v4.0.1 2.2.7'],
        evidenceUrl: 'javascript:alert(1)',
      }),
      gateFinding('custom.rule with spaces/and|pipes', '..', 'a/b c?d#e', {
        severity: 'critical',
        message: '',
        title: '',
        fingerprint: hostile,
      }),
    ],
    {
      scope: { id: 'scope with spaces', name: `CDE ${hostile}` },
      policy: { name: hostile, version: ' v 1 \n' },
    },
  );
}

/** No snapshot at all: the gate fails with no finding. */
export function noSnapshotGate(): GateResult {
  return gate([], { snapshot: null });
}

/** `n` blocking findings spread over rules and assets. */
export function manyFindingsGate(n: number): GateResult {
  const ids = GATE_RULES.map((r) => r.id);
  return gate(
    Array.from({ length: n }, (_, i) =>
      gateFinding(ids[i % ids.length], `10.0.${Math.floor(i / 250)}.${i % 250}`, `${1000 + i}/tcp`),
    ),
    { failOn: 'info' },
  );
}

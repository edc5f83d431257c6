import type { GateFinding, GateResult, GateRule, Severity } from '@driftwatch/core';

/** Code-unit order: the same on every machine and locale. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every rule of the judged policy, sorted by id, plus a rule for any finding whose rule the list
 * lacks (described from that finding), so every finding has its rule in SARIF and JUnit.
 */
export function ruleCatalogue(result: GateResult): GateRule[] {
  const rules = new Map(result.rules.map((rule) => [rule.id, rule]));
  for (const f of result.findings) {
    if (!rules.has(f.ruleId)) {
      rules.set(f.ruleId, {
        id: f.ruleId,
        title: f.title,
        requirements: f.requirements,
        severity: f.severity,
        remediation: f.remediation ?? null,
      });
    }
  }
  return [...rules.values()].sort((a, b) => byText(a.id, b.id));
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Most severe first, then by rule, asset, subject and fingerprint: a total, stable order. */
export function byFinding(a: GateFinding, b: GateFinding): number {
  return (
    RANK[a.severity] - RANK[b.severity] ||
    byText(a.ruleId, b.ruleId) ||
    byText(a.asset, b.asset) ||
    byText(a.subject, b.subject) ||
    byText(a.fingerprint, b.fingerprint)
  );
}

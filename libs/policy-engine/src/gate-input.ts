import { findingFingerprint, type GateFinding, type GateRule, type RuleResult } from '@driftwatch/core';

import type { CompiledPolicy } from './policy.model';

/**
 * What judgeGate needs from a policy and its results. Shared by the API's gate, its dry run and
 * the CLI's offline gate, so the three describe rules and unstored findings alike.
 */
export function gateRules(policy: CompiledPolicy): GateRule[] {
  return policy.rules.map(({ rule }) => ({
    id: rule.id,
    title: rule.title,
    requirements: rule.requirements,
    severity: rule.severity,
    description: rule.description ?? null,
    remediation: rule.remediation ?? null,
  }));
}

/** A result not stored as a finding (dry run, offline): no id, no evidence route. */
export function gateFindingOf(r: RuleResult, newSinceBaseline: boolean | null): GateFinding {
  return {
    fingerprint: findingFingerprint(r),
    ruleId: r.ruleId,
    title: r.title,
    requirements: r.requirements,
    severity: r.severity,
    asset: r.asset,
    subject: r.subject,
    port: r.port ?? null,
    protocol: r.protocol ?? null,
    message: r.message,
    remediation: r.remediation ?? null,
    newSinceBaseline,
  };
}

/** One result per fingerprint, as findings are kept. */
export function uniqueResults(results: readonly RuleResult[]): RuleResult[] {
  const seen = new Set<string>();
  return results.filter((r) => {
    const fingerprint = findingFingerprint(r);
    if (seen.has(fingerprint)) return false;
    seen.add(fingerprint);
    return true;
  });
}

import { addressWithinNetworks, parseNetwork, type RuleResult } from '@driftwatch/core';
import type { PreparedEvaluation, RelationalRule, Subject } from '../policy.model';
import { ruleResult } from '../rule-result';

export interface CoverageParams {
  /**
   * incomplete-snapshot: each target the scan could not cover; failed-scan: the scope's latest
   * scan failed; stale: an in-scope declared asset not scanned within `days`.
   */
  check: 'incomplete-snapshot' | 'failed-scan' | 'stale';
  days?: number;
}

export const COVERAGE_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['check'],
  properties: {
    check: { enum: ['incomplete-snapshot', 'failed-scan', 'stale'] },
    days: { type: 'integer', minimum: 1, maximum: 3650 },
  },
  if: { required: ['check'], properties: { check: { const: 'stale' } } },
  then: { required: ['days'] },
} as const;

const DAY_MS = 86_400_000;

/** A gap in the evidence is itself a finding (10.7, 11.3.1): failed scans, missed targets, stale assets. */
export function coverageRule(rule: RelationalRule): (prepared: PreparedEvaluation) => RuleResult[] {
  const params = rule.params as unknown as CoverageParams;
  return (prepared) => {
    switch (params.check) {
      case 'incomplete-snapshot':
        return incomplete(rule, prepared);
      case 'failed-scan':
        return failedScan(rule, prepared);
      case 'stale':
        return stale(rule, prepared, params.days ?? 90);
    }
  };
}

function scopeSubject(prepared: PreparedEvaluation, address: string): Subject {
  return {
    kind: 'host',
    address,
    scope: prepared.input.snapshot.scope,
    approvedPorts: [],
    now: prepared.now,
  };
}

function incomplete(rule: RelationalRule, prepared: PreparedEvaluation): RuleResult[] {
  return (prepared.input.snapshot.missingTargets ?? []).map((target) => {
    const detail = { target, snapshot: prepared.input.snapshot.id ?? 'unknown' };
    return ruleResult(
      rule,
      scopeSubject(prepared, target),
      { target, coverage: detail },
      { identity: 'coverage', detail },
    );
  });
}

function failedScan(rule: RelationalRule, prepared: PreparedEvaluation): RuleResult[] {
  const latest = [...prepared.context.scans].sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
  if (!latest || latest.status !== 'failed') return [];
  const address = `scope:${prepared.input.snapshot.scope.id}`;
  const detail = { scan: latest.id ?? 'unknown', at: latest.at, error: latest.error ?? 'unknown' };
  return [ruleResult(rule, scopeSubject(prepared, address), { scan: latest }, { identity: 'scan', detail })];
}

function stale(rule: RelationalRule, prepared: PreparedEvaluation, days: number): RuleResult[] {
  const { snapshot } = prepared.input;
  const targets = snapshot.scope.targets?.map(parseNetwork);
  const missing = (snapshot.missingTargets ?? []).map(parseNetwork);
  const nowMs = Date.parse(prepared.now);
  const results: RuleResult[] = [];
  for (const asset of prepared.context.inventory) {
    if (asset.inScope === false) continue;
    if (targets && !addressWithinNetworks(asset.address, targets)) continue;
    // This snapshot scanned every target address except those it missed.
    const covered = targets !== undefined && !addressWithinNetworks(asset.address, missing);
    const scannedAt = covered ? (snapshot.takenAt ?? prepared.now) : asset.lastScannedAt;
    if (scannedAt !== undefined && nowMs - Date.parse(scannedAt) <= days * DAY_MS) continue;
    const detail = { days, lastScannedAt: scannedAt ?? 'never' };
    const subject = { ...scopeSubject(prepared, asset.address), asset };
    results.push(
      ruleResult(
        rule,
        subject,
        { address: asset.address, coverage: detail },
        { identity: 'coverage', detail },
      ),
    );
  }
  return results;
}

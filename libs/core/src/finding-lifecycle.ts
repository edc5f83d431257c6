import { sha256Hex } from './canonical-json';
import type { RuleResult } from './finding.model';
import type { FindingStatus } from './severity';

/** A finding's identity across scans: the same rule failing for the same subject of the same asset. */
export function findingFingerprint(result: Pick<RuleResult, 'ruleId' | 'asset' | 'subject'>): string {
  return sha256Hex(JSON.stringify([result.ruleId, result.asset, result.subject]));
}

export interface KnownFinding {
  id: string;
  fingerprint: string;
  status: FindingStatus;
  /** The asset (address) the finding is about. */
  asset?: string;
}

export interface FindingPlan {
  /** Results never seen before. */
  create: { fingerprint: string; result: RuleResult }[];
  /** Findings seen again: still open, or reopened after being resolved. */
  seen: { id: string; reopened: boolean; result: RuleResult }[];
  /** Open findings the snapshot no longer shows. */
  resolve: string[];
}

export function planFindings(known: readonly KnownFinding[], results: readonly RuleResult[]): FindingPlan {
  const byFingerprint = new Map(known.map((k) => [k.fingerprint, k]));
  const plan: FindingPlan = { create: [], seen: [], resolve: [] };
  const present = new Set<string>();
  for (const result of results) {
    const fingerprint = findingFingerprint(result);
    if (present.has(fingerprint)) continue;
    present.add(fingerprint);
    const existing = byFingerprint.get(fingerprint);
    if (!existing) plan.create.push({ fingerprint, result });
    else plan.seen.push({ id: existing.id, reopened: existing.status === 'resolved', result });
  }
  for (const k of known) if (k.status === 'open' && !present.has(k.fingerprint)) plan.resolve.push(k.id);
  return plan;
}

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
  /** The rule and the subject on the asset (with the asset, what the fingerprint hashes). */
  ruleId?: string;
  subject?: string;
  /** A waiver is in force for the finding: failing again makes it excepted, not open. */
  waived?: boolean;
}

/** Why a finding changed status; kept with every transition. */
export const TRANSITION_REASONS = {
  firstFailed: 'first failed',
  failsAgain: 'fails again',
  noLongerFails: 'no longer fails',
  waiverGranted: 'waiver granted',
  waiverExpired: 'waiver expired',
  waiverRevoked: 'waiver revoked',
} as const;

export interface FindingPlan {
  /** Results never seen before. */
  create: { fingerprint: string; result: RuleResult }[];
  /** Findings seen again: `to` differs from `from` when a resolved finding fails again (reopened). */
  seen: { id: string; from: FindingStatus; to: FindingStatus; reopened: boolean; result: RuleResult }[];
  /** Open or excepted findings the snapshot no longer shows. */
  resolve: { id: string; from: FindingStatus }[];
  /**
   * Open or excepted findings the snapshot could not judge (facts missing: a script timed out):
   * left as they are, neither seen nor resolved (see retainUnjudged).
   */
  unjudged: { id: string; status: FindingStatus }[];
}

/**
 * The lifecycle: new results open findings; a resolved finding that fails again reopens (as
 * excepted while a waiver is in force); open and excepted findings no longer failing resolve.
 */
export function planFindings(known: readonly KnownFinding[], results: readonly RuleResult[]): FindingPlan {
  const byFingerprint = new Map(known.map((k) => [k.fingerprint, k]));
  const plan: FindingPlan = { create: [], seen: [], resolve: [], unjudged: [] };
  const present = new Set<string>();
  for (const result of results) {
    const fingerprint = findingFingerprint(result);
    if (present.has(fingerprint)) continue;
    present.add(fingerprint);
    const existing = byFingerprint.get(fingerprint);
    if (!existing) {
      plan.create.push({ fingerprint, result });
      continue;
    }
    const reopened = existing.status === 'resolved';
    const to: FindingStatus = reopened ? (existing.waived ? 'excepted' : 'open') : existing.status;
    plan.seen.push({ id: existing.id, from: existing.status, to, reopened, result });
  }
  for (const k of known) {
    if (k.status !== 'resolved' && !present.has(k.fingerprint))
      plan.resolve.push({ id: k.id, from: k.status });
  }
  return plan;
}

/**
 * The plan with the findings named by `unjudged` (ids among `plan.resolve`) kept as they are
 * instead of resolved: the rule could not judge their subject this time, so nothing shows them fixed.
 */
export function retainUnjudged(plan: FindingPlan, unjudged: ReadonlySet<string>): FindingPlan {
  if (unjudged.size === 0) return plan;
  const resolve: FindingPlan['resolve'] = [];
  const kept: FindingPlan['unjudged'] = [...plan.unjudged];
  for (const entry of plan.resolve) {
    if (unjudged.has(entry.id)) kept.push({ id: entry.id, status: entry.from });
    else resolve.push(entry);
  }
  return { ...plan, resolve, unjudged: kept };
}

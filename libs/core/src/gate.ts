import { SEVERITIES, type Severity } from './severity';

/**
 * The CI gate: may this deploy go? A pure judgement over a scope's failing findings (or a dry
 * run's), its baseline and the age of its newest snapshot. The API, the offline CLI and the dry
 * run all come here, so they cannot disagree.
 */
export const GATE_MODES = ['new', 'all'] as const;
/** new: only findings new since the baseline block; all: every failing finding does. */
export type GateMode = (typeof GATE_MODES)[number];

/** A failing finding as the gate sees it (open; excepted ones are waived and never block). */
export interface GateFinding {
  /** Stored finding id; absent in a dry run, whose findings are not stored. */
  id?: string;
  fingerprint: string;
  ruleId: string;
  title: string;
  requirements: readonly string[];
  severity: Severity;
  asset: string;
  subject: string;
  port?: number | null;
  protocol?: string | null;
  message: string;
  remediation?: string | null;
  /** Against the baseline: true when it was not failing there; null without a baseline. */
  newSinceBaseline: boolean | null;
  /** Where the evidence can be read (the finding's API route), when stored. */
  evidenceUrl?: string;
}

/** A rule of the policy, for formats that list rules (SARIF) or test cases (JUnit). */
export interface GateRule {
  id: string;
  title: string;
  requirements: readonly string[];
  severity: Severity;
  description?: string | null;
  remediation?: string | null;
}

export interface GateInput {
  scope: { id: string; name: string };
  failOn: Severity;
  mode: GateMode;
  /** Failing findings (status open or excepted); excepted ones are counted apart, never block. */
  findings: readonly (GateFinding & { excepted?: boolean })[];
  /** Every rule of the policy judged (for formats that report passing rules too). */
  rules: readonly GateRule[];
  policy: { name: string; version: string };
  baseline: { id: string; takenAt: string } | null;
  /** The newest snapshot judged; null when the scope has none (which fails the gate). */
  snapshot: { id: string; takenAt: string } | null;
  /** Snapshots older than this fail the gate (null: no limit, e.g. a dry run of a candidate). */
  maxSnapshotAgeSeconds: number | null;
  /** The moment of the judgement (ISO 8601). */
  now: string;
  /** true for POST /evaluate: the candidate was judged, nothing was stored. */
  dryRun?: boolean;
}

export type GateVerdict = 'pass' | 'fail';

export interface GateResult {
  verdict: GateVerdict;
  /** Why it failed, one sentence each; empty when it passed. */
  reasons: string[];
  scope: { id: string; name: string };
  failOn: Severity;
  mode: GateMode;
  dryRun: boolean;
  /** Failing findings by severity (excepted ones not included). */
  counts: Record<Severity, number>;
  /** Failing findings under a waiver: reported, never blocking. */
  excepted: number;
  /** The findings that block, most severe first. */
  blocking: GateFinding[];
  /** Every failing, not excepted finding considered (blocking or not), most severe first. */
  findings: GateFinding[];
  rules: GateRule[];
  policy: { name: string; version: string };
  baseline: { id: string; takenAt: string } | null;
  snapshot: { id: string; takenAt: string; ageSeconds: number; stale: boolean } | null;
  judgedAt: string;
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** True when `severity` is `threshold` or more severe. */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] <= RANK[threshold];
}

export function judgeGate(input: GateInput): GateResult {
  const considered = input.findings
    .filter((f) => !f.excepted)
    .map(stripExcepted)
    .sort(bySeverity);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of considered) counts[f.severity] += 1;
  const blocking = considered.filter(
    (f) => atOrAbove(f.severity, input.failOn) && (input.mode === 'all' || f.newSinceBaseline !== false),
  );
  const reasons: string[] = [];
  if (blocking.length > 0) {
    reasons.push(
      `${blocking.length} ${input.mode === 'new' ? 'new ' : ''}finding${blocking.length === 1 ? '' : 's'} at or above ${input.failOn}`,
    );
  }
  let snapshot: GateResult['snapshot'] = null;
  if (input.snapshot) {
    const ageSeconds = Math.max(
      0,
      Math.floor((Date.parse(input.now) - Date.parse(input.snapshot.takenAt)) / 1000),
    );
    const stale = input.maxSnapshotAgeSeconds !== null && ageSeconds > input.maxSnapshotAgeSeconds;
    snapshot = { ...input.snapshot, ageSeconds, stale };
    if (stale) {
      reasons.push(
        `the newest snapshot is ${ageSeconds} s old, older than the ${input.maxSnapshotAgeSeconds} s allowed: the scope's state is unknown`,
      );
    }
  } else {
    reasons.push('the scope has no snapshot: its state is unknown');
  }
  if (input.mode === 'new' && input.baseline === null) {
    // Without a baseline every finding is new: mode=new blocks on all of them (newSinceBaseline
    // is null), which is the safe reading; say so.
    if (blocking.length > 0) reasons.push('the scope has no baseline, so every finding counts as new');
  }
  return {
    verdict: reasons.length === 0 ? 'pass' : 'fail',
    reasons,
    scope: input.scope,
    failOn: input.failOn,
    mode: input.mode,
    dryRun: input.dryRun ?? false,
    counts,
    excepted: input.findings.length - considered.length,
    blocking,
    findings: considered,
    rules: [...input.rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    policy: input.policy,
    baseline: input.baseline,
    snapshot,
    judgedAt: input.now,
  };
}

function stripExcepted(f: GateFinding & { excepted?: boolean }): GateFinding {
  const { excepted: _excepted, ...finding } = f;
  return finding;
}

function bySeverity(a: GateFinding, b: GateFinding): number {
  return (
    RANK[a.severity] - RANK[b.severity] ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0) ||
    (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0)
  );
}

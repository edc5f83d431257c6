import { canonicalJson } from '@driftwatch/core';
import type { EvaluationRecord, SnapshotEntity } from '@driftwatch/persistence';

/**
 * What an audit entry records of a stored snapshot or evaluation: every column that says what it
 * was. Verification rebuilds the same object from the row as it is now; any difference is tampering.
 */
export function snapshotProof(
  snapshot: Pick<
    SnapshotEntity,
    | 'scopeId'
    | 'scanId'
    | 'seq'
    | 'vantage'
    | 'takenAt'
    | 'contentHash'
    | 'hostCount'
    | 'openPortCount'
    | 'missingTargets'
  >,
): Record<string, unknown> {
  return {
    scopeId: snapshot.scopeId,
    scanId: snapshot.scanId,
    seq: snapshot.seq,
    vantage: snapshot.vantage,
    takenAt: snapshot.takenAt.toISOString(),
    contentHash: snapshot.contentHash,
    hostCount: snapshot.hostCount,
    openPortCount: snapshot.openPortCount,
    missingTargets: [...snapshot.missingTargets],
  };
}

export function evaluationProof(evaluation: EvaluationRecord): Record<string, unknown> {
  return {
    scopeId: evaluation.scopeId,
    snapshotId: evaluation.snapshotId,
    scanId: evaluation.scanId,
    policyName: evaluation.policyName,
    policyVersion: evaluation.policyVersion,
    contextVersion: evaluation.contextVersion,
    at: evaluation.at.toISOString(),
    evaluatedAt: evaluation.evaluatedAt.toISOString(),
    resultCount: evaluation.resultCount,
    resultsHash: evaluation.resultsHash,
    failingCount: evaluation.failingCount,
    failingHash: evaluation.failingHash,
    opened: evaluation.opened,
    seen: evaluation.seen,
    resolved: evaluation.resolved,
    // Null (before it was counted) reads as absent from entries recorded then: they still match.
    unjudged: evaluation.unjudged,
  };
}

/**
 * The members of the proof rebuilt from the row now that differ from what the entry recorded
 * (an entry may hold more, such as the actor's role).
 */
export function proofDifferences(
  recorded: Record<string, unknown>,
  current: Record<string, unknown>,
): string[] {
  return Object.keys(current)
    .filter((k) => canonicalJson(recorded[k] ?? null) !== canonicalJson(current[k] ?? null))
    .sort();
}

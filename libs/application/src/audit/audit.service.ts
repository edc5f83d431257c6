import { Injectable } from '@nestjs/common';

import {
  type AuditEntry,
  type ChainAnchor,
  ChainVerifier,
  DriftwatchError,
  type FieldError,
} from '@driftwatch/core';
import { AuditRepository, EvaluationRepository, SnapshotRepository } from '@driftwatch/persistence';

import { Clock } from '@driftwatch/application/common/clock';
import { snapshotContentHashCooperatively } from '@driftwatch/application/common/cooperative';
import { SnapshotContent } from '@driftwatch/application/scans/snapshot-content.service';

import { evaluationProof, proofDifferences, snapshotProof } from './audit-proofs';
import {
  type AuditBreakDto,
  type AuditListResponseDto,
  type AuditVerificationDto,
  type ListAuditQueryDto,
  mapAuditEntry,
  type VerifyAuditQueryDto,
} from './audit.dto';

const DEFAULT_LIMIT = 100;
// Entries read per query while verifying: the chain can be longer than memory.
const VERIFY_BATCH = 500;

/** Reads the audit trail and proves it: the chain, and the snapshots and evaluations it records. */
@Injectable()
export class AuditService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly evaluations: EvaluationRepository,
    private readonly content: SnapshotContent,
    private readonly clock: Clock,
  ) {}

  async list(query: ListAuditQueryDto): Promise<AuditListResponseDto> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const entries = await this.audit.list({
      action: query.action,
      actor: query.actor,
      subjectType: query.subjectType,
      subjectId: query.subjectId,
      scopeId: query.scope,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
      afterSeq: query.after,
      limit: limit + 1,
    });
    const page = entries.slice(0, limit);
    return {
      items: page.map(mapAuditEntry),
      nextAfter: entries.length > limit ? (page.at(-1)?.seq ?? null) : null,
    };
  }

  /**
   * Recomputes every link of the chain in order and, for each snapshot and evaluation entry,
   * compares what it recorded with the row as it is now, hashing the snapshot's content again
   * from its stored intervals. Stops at the first entry that no longer proves what it recorded.
   * With an anchor (an entry's seq and hash kept outside the database), the chain must still hold
   * that entry unchanged: a chain cut before it, or rewritten up to it, is broken too.
   */
  async verify(query: VerifyAuditQueryDto = {}): Promise<AuditVerificationDto> {
    const anchor = anchorOf(query);
    const verifier = new ChainVerifier(anchor);
    let snapshotsChecked = 0;
    let evaluationsChecked = 0;
    let after = 0;
    let broken: AuditBreakDto | undefined;
    verifying: for (;;) {
      const batch = await this.audit.batchAfter(after, VERIFY_BATCH);
      if (batch.length === 0) break;
      const rows = await this.subjectsOf(batch);
      for (const entry of batch) {
        const chainBreak = verifier.next(entry);
        if (chainBreak) {
          broken = { ...chainBreak, subjectType: entry.subjectType, subjectId: entry.subjectId };
          break verifying;
        }
        if (entry.subjectType === 'snapshot' && entry.action === 'snapshot.stored') {
          snapshotsChecked += 1;
          broken = await this.checkSnapshot(entry, rows.snapshots);
        } else if (entry.subjectType === 'evaluation' && entry.action === 'evaluation.recorded') {
          evaluationsChecked += 1;
          broken = this.checkEvaluation(entry, rows.evaluations);
        }
        if (broken) break verifying;
      }
      after = batch[batch.length - 1].seq;
    }
    broken ??= verifier.end();
    const head = broken ? await this.audit.head() : verifier.head;
    return {
      valid: broken === undefined,
      entriesChecked: verifier.checked,
      snapshotsChecked,
      evaluationsChecked,
      head: head ? { seq: head.seq, hash: head.hash } : null,
      anchor: anchor ? { ...anchor, matched: broken === undefined && verifier.anchorMatched } : null,
      firstBroken: broken ?? null,
      verifiedAt: this.clock.now().toISOString(),
    };
  }

  private async subjectsOf(batch: readonly AuditEntry[]) {
    const ids = (type: string) => batch.filter((e) => e.subjectType === type).map((e) => e.subjectId);
    const [snapshots, evaluations] = await Promise.all([
      this.snapshots.findByIds(ids('snapshot')),
      this.evaluations.findByIds(ids('evaluation')),
    ]);
    return { snapshots, evaluations };
  }

  private async checkSnapshot(
    entry: AuditEntry,
    rows: Awaited<ReturnType<SnapshotRepository['findByIds']>>,
  ): Promise<AuditBreakDto | undefined> {
    const at = { seq: entry.seq, subjectType: 'snapshot', subjectId: entry.subjectId };
    const row = rows.get(entry.subjectId);
    if (!row) {
      return {
        ...at,
        reason: 'snapshot-missing',
        detail: `snapshot ${entry.subjectId}, recorded by entry ${entry.seq}, no longer exists`,
      };
    }
    const differences = proofDifferences(entry.details, snapshotProof(row));
    if (differences.length > 0) {
      return {
        ...at,
        reason: 'snapshot-altered',
        detail: `snapshot ${row.id} differs from what entry ${entry.seq} recorded: ${differences.join(', ')}`,
      };
    }
    const rehashed = await snapshotContentHashCooperatively(await this.content.storedHostsOf(row));
    if (rehashed !== entry.details.contentHash) {
      return {
        ...at,
        reason: 'snapshot-content-altered',
        detail: `the stored content of snapshot ${row.id} hashes to ${rehashed.slice(0, 12)}…, not to the ${String(entry.details.contentHash).slice(0, 12)}… entry ${entry.seq} recorded`,
      };
    }
    return undefined;
  }

  private checkEvaluation(
    entry: AuditEntry,
    rows: Awaited<ReturnType<EvaluationRepository['findByIds']>>,
  ): AuditBreakDto | undefined {
    const at = { seq: entry.seq, subjectType: 'evaluation', subjectId: entry.subjectId };
    const row = rows.get(entry.subjectId);
    if (!row) {
      return {
        ...at,
        reason: 'evaluation-missing',
        detail: `evaluation ${entry.subjectId}, recorded by entry ${entry.seq}, no longer exists`,
      };
    }
    const differences = proofDifferences(entry.details, evaluationProof(row));
    if (differences.length > 0) {
      return {
        ...at,
        reason: 'evaluation-altered',
        detail: `evaluation ${row.id} differs from what entry ${entry.seq} recorded: ${differences.join(', ')}`,
      };
    }
    return undefined;
  }
}

/** The anchor of a verify query: both parts or neither. */
function anchorOf(query: VerifyAuditQueryDto): ChainAnchor | undefined {
  const { anchorSeq, anchorHash } = query;
  if (anchorSeq === undefined && anchorHash === undefined) return undefined;
  const errors: FieldError[] = [];
  if (anchorSeq === undefined) errors.push({ field: 'anchorSeq', reason: 'must be given with anchorHash' });
  if (anchorHash === undefined) errors.push({ field: 'anchorHash', reason: 'must be given with anchorSeq' });
  if (anchorSeq === undefined || anchorHash === undefined) throw DriftwatchError.validation(errors);
  return { seq: anchorSeq, hash: anchorHash };
}

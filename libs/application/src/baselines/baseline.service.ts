import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { contentHash, DriftwatchError, ErrorCode } from '@driftwatch/core';
import {
  BaselineRepository,
  EvaluationRepository,
  FindingRepository,
  ScopeRepository,
} from '@driftwatch/persistence';

import type { Principal } from '@driftwatch/application/api-keys/api-key.service';
import { AuditTrail, keyActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';

import { type BaselineResponseDto, type CreateBaselineDto, mapBaseline } from './baseline.dto';

interface EvaluatedSnapshot {
  id: string;
  taken_at: Date;
  policy_version: string | null;
}

/**
 * Baselines: approving a snapshot's evaluation records which findings failed then; every
 * finding afterwards says whether it is new since the latest baseline.
 */
@Injectable()
export class BaselineService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly baselines: BaselineRepository,
    private readonly findings: FindingRepository,
    private readonly scopes: ScopeRepository,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly evaluations: EvaluationRepository,
  ) {}

  async create(scopeId: string, dto: CreateBaselineDto, principal: Principal): Promise<BaselineResponseDto> {
    const scope = await this.scopes.findLive(scopeId);
    if (!scope) throw new DriftwatchError(ErrorCode.NotFound, `scope ${scopeId} not found`);
    return this.dataSource.transaction(async (manager) => {
      // An evaluated snapshot: its scan completed (evaluation is the scan's last step).
      const [snapshot]: EvaluatedSnapshot[] = await manager.query(
        `SELECT s.id, s.taken_at,
                (SELECT t.policy_version FROM finding_transitions t JOIN findings f ON f.id = t.finding_id
                 WHERE f.scope_id = s.scope_id AND t.snapshot_id = s.id AND t.policy_version IS NOT NULL LIMIT 1) AS policy_version
         FROM snapshots s JOIN scans c ON c.id = s.scan_id
         WHERE s.scope_id = $1 AND c.status = 'completed' AND ($2::uuid IS NULL OR s.id = $2)
         ORDER BY s.seq DESC LIMIT 1`,
        [scopeId, dto.snapshotId ?? null],
      );
      if (!snapshot) {
        if (dto.snapshotId)
          throw DriftwatchError.validation([
            { field: 'snapshotId', reason: `no evaluated snapshot ${dto.snapshotId} in scope ${scopeId}` },
          ]);
        throw new DriftwatchError(
          ErrorCode.Conflict,
          `scope ${scopeId} has no evaluated snapshot to approve yet`,
        );
      }
      // As the snapshot's latest evaluation left them: by its moment alone, a later evaluation of
      // the same moment (an older import moved up to it) would lend the baseline its findings.
      const evaluation = await this.evaluations.latestOfSnapshot(snapshot.id, manager);
      const fingerprints = await this.findings.failingAt(
        scopeId,
        { at: snapshot.taken_at, through: evaluation?.findingsThrough ?? null },
        manager,
      );
      const policyVersion = snapshot.policy_version ?? (await this.latestPolicyVersion(scopeId, manager));
      const baseline = await this.baselines.insert(
        {
          scopeId,
          snapshotId: snapshot.id,
          takenAt: snapshot.taken_at,
          policyVersion,
          fingerprints,
          note: dto.note ?? null,
          approvedBy: principal.keyId,
          createdAt: this.clock.now(),
        },
        manager,
      );
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: 'baseline.approved',
        subjectType: 'baseline',
        subjectId: baseline.id,
        scopeId,
        details: {
          snapshotId: snapshot.id,
          takenAt: baseline.takenAt.toISOString(),
          policyVersion,
          note: baseline.note,
          // The approved set by its hash: it can be thousands of fingerprints.
          fingerprintCount: fingerprints.length,
          fingerprintsHash: contentHash([...fingerprints].sort()),
        },
      });
      return mapBaseline({ ...baseline, findingCount: fingerprints.length });
    });
  }

  async list(scopeId: string): Promise<BaselineResponseDto[]> {
    const scope = await this.scopes.findLive(scopeId);
    if (!scope) throw new DriftwatchError(ErrorCode.NotFound, `scope ${scopeId} not found`);
    return (await this.baselines.list(scopeId)).map(mapBaseline);
  }

  // A snapshot with no finding transitions (nothing changed) was judged by the policy of the
  // scope's findings; with no finding at all, "unknown" says so honestly.
  private async latestPolicyVersion(scopeId: string, manager: EntityManager): Promise<string> {
    const [row]: { policy_version: string }[] = await manager.query(
      'SELECT policy_version FROM findings WHERE scope_id = $1 ORDER BY last_seen_at DESC LIMIT 1',
      [scopeId],
    );
    return row?.policy_version ?? 'unknown';
  }
}

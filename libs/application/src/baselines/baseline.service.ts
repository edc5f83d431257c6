import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

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
      // An evaluated snapshot: one with an evaluation record. A completed scan is not enough: the
      // evaluation of a snapshot overtaken by a newer one is skipped, and by its moment alone the
      // baseline would take the findings of another snapshot of the same time.
      const [snapshot]: EvaluatedSnapshot[] = await manager.query(
        `SELECT s.id, s.taken_at FROM snapshots s
         WHERE s.scope_id = $1 AND ($2::uuid IS NULL OR s.id = $2)
           AND EXISTS (SELECT 1 FROM evaluations e WHERE e.snapshot_id = s.id)
         ORDER BY s.seq DESC LIMIT 1`,
        [scopeId, dto.snapshotId ?? null],
      );
      const evaluation = snapshot && (await this.evaluations.latestOfSnapshot(snapshot.id, manager));
      if (!snapshot || !evaluation) {
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
      const fingerprints = await this.findings.failingAt(
        scopeId,
        { at: evaluation.at, through: evaluation.findingsThrough },
        manager,
      );
      const { policyVersion } = evaluation;
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
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  type FindingPlan,
  type FindingStatus,
  type KnownFinding,
  type Severity,
  TRANSITION_REASONS,
} from '@driftwatch/core';
import { FindingEntity, FindingTransitionEntity } from '@driftwatch/persistence/entities';

export interface FindingFilter {
  scopeId?: string;
  severity?: Severity[];
  status?: FindingStatus[];
  /** true: only findings not failing at their scope's latest baseline; false: only those that were. */
  newSinceBaseline?: boolean;
  limit: number;
  offset: number;
}

@Injectable()
export class FindingRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(FindingEntity);
  }

  async knownForScope(scopeId: string, manager: EntityManager): Promise<KnownFinding[]> {
    const rows: KnownFinding[] = await manager.query(
      `SELECT f.id, f.fingerprint, f.status, f.asset,
              EXISTS (SELECT 1 FROM waivers w WHERE w.finding_id = f.id
                        AND w.revoked_at IS NULL AND w.expired_at IS NULL) AS waived
       FROM findings f WHERE f.scope_id = $1 FOR UPDATE OF f`,
      [scopeId],
    );
    return rows;
  }

  /** Apply a finding plan for one evaluated snapshot, with a transition per status change. Runs inside the caller's transaction. */
  async apply(
    scopeId: string,
    plan: FindingPlan,
    context: { snapshotId: string; at: Date; policyVersion: string },
    manager: EntityManager,
  ): Promise<void> {
    const repo = this.repo(manager);
    const transitions: Partial<FindingTransitionEntity>[] = [];
    const transition = (
      findingId: string,
      fromStatus: FindingStatus | null,
      toStatus: FindingStatus,
      reason: string,
    ) =>
      transitions.push({
        findingId,
        fromStatus,
        toStatus,
        at: context.at,
        reason,
        snapshotId: context.snapshotId,
        waiverId: null,
        actor: null,
        policyVersion: context.policyVersion,
      });
    if (plan.create.length > 0) {
      const created = await repo.save(
        plan.create.map(({ fingerprint, result }) =>
          repo.create({
            scopeId,
            fingerprint,
            ruleId: result.ruleId,
            title: result.title,
            requirements: result.requirements,
            severity: result.severity,
            asset: result.asset,
            subject: result.subject,
            port: result.port ?? null,
            protocol: result.protocol ?? null,
            message: result.message,
            remediation: result.remediation ?? null,
            evidence: result.evidence,
            status: 'open',
            firstSeenAt: context.at,
            lastSeenAt: context.at,
            resolvedAt: null,
            firstSnapshotId: context.snapshotId,
            lastSnapshotId: context.snapshotId,
            resolvedSnapshotId: null,
            policyVersion: context.policyVersion,
          }),
        ),
      );
      for (const f of created) transition(f.id, null, 'open', TRANSITION_REASONS.firstFailed);
    }
    for (const { id, to, reopened, result } of plan.seen) {
      await manager.query(
        `UPDATE findings SET status = $11, title = $2, requirements = $3, severity = $4, message = $5,
           remediation = $6, evidence = $7, last_seen_at = $8, last_snapshot_id = $9, resolved_at = NULL,
           resolved_snapshot_id = NULL, policy_version = $10, port = $12, protocol = $13
         WHERE id = $1`,
        [
          id,
          result.title,
          result.requirements,
          result.severity,
          result.message,
          result.remediation ?? null,
          JSON.stringify(result.evidence),
          context.at,
          context.snapshotId,
          context.policyVersion,
          to,
          result.port ?? null,
          result.protocol ?? null,
        ],
      );
      if (reopened) transition(id, 'resolved', to, TRANSITION_REASONS.failsAgain);
    }
    if (plan.resolve.length > 0) {
      await manager.query(
        `UPDATE findings SET status = 'resolved', resolved_at = $1, resolved_snapshot_id = $2
         WHERE id = ANY($3::uuid[])`,
        [context.at, context.snapshotId, plan.resolve.map((r) => r.id)],
      );
      for (const { id, from } of plan.resolve)
        transition(id, from, 'resolved', TRANSITION_REASONS.noLongerFails);
    }
    await this.recordTransitions(transitions, manager);
  }

  async recordTransitions(
    transitions: Partial<FindingTransitionEntity>[],
    manager: EntityManager,
  ): Promise<void> {
    // Chunked: one INSERT per few thousand rows keeps the statement's parameters under PostgreSQL's limit.
    for (let i = 0; i < transitions.length; i += 5000) {
      await manager.getRepository(FindingTransitionEntity).insert(transitions.slice(i, i + 5000));
    }
  }

  async setStatus(id: string, status: FindingStatus, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE findings SET status = $2 WHERE id = $1', [id, status]);
  }

  async findById(id: string, manager?: EntityManager): Promise<FindingEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  async lockById(id: string, manager: EntityManager): Promise<FindingEntity | null> {
    return this.repo(manager)
      .createQueryBuilder('f')
      .setLock('pessimistic_write')
      .where('f.id = :id', { id })
      .getOne();
  }

  async timeline(findingId: string): Promise<FindingTransitionEntity[]> {
    return this.dataSource.getRepository(FindingTransitionEntity).find({
      where: { findingId },
      order: { id: 'ASC' },
    });
  }

  /** Fingerprints of the scope's findings failing (open or excepted) at a moment, from their transitions. */
  async failingAt(scopeId: string, at: Date, manager: EntityManager): Promise<string[]> {
    const rows: { fingerprint: string }[] = await manager.query(
      `SELECT f.fingerprint FROM findings f
       JOIN LATERAL (SELECT t.to_status FROM finding_transitions t
                     WHERE t.finding_id = f.id AND t.at <= $2 ORDER BY t.at DESC, t.id DESC LIMIT 1) last ON true
       WHERE f.scope_id = $1 AND last.to_status IN ('open', 'excepted')
       ORDER BY f.fingerprint`,
      [scopeId, at],
    );
    return rows.map((r) => r.fingerprint);
  }

  async list(filter: FindingFilter): Promise<{ items: FindingEntity[]; total: number }> {
    const qb = this.repo().createQueryBuilder('f');
    if (filter.scopeId) qb.andWhere('f.scope_id = :scopeId', { scopeId: filter.scopeId });
    if (filter.severity?.length) qb.andWhere('f.severity IN (:...severity)', { severity: filter.severity });
    if (filter.status?.length) qb.andWhere('f.status IN (:...status)', { status: filter.status });
    if (filter.newSinceBaseline !== undefined) {
      const known = `EXISTS (SELECT 1 FROM baselines b WHERE b.id = (SELECT id FROM baselines WHERE scope_id = f.scope_id
        ORDER BY created_at DESC, id DESC LIMIT 1) AND f.fingerprint = ANY(b.fingerprints))`;
      qb.andWhere(filter.newSinceBaseline ? `NOT ${known}` : known);
    }
    qb.orderBy('f.first_seen_at', 'DESC').addOrderBy('f.id', 'ASC').take(filter.limit).skip(filter.offset);
    const [items, total] = await qb.getManyAndCount();
    return { items, total };
  }

  async countOpenBySeverity(): Promise<Record<string, number>> {
    const rows: { severity: string; n: string }[] = await this.dataSource.query(
      `SELECT severity, count(*) AS n FROM findings WHERE status = 'open' GROUP BY severity`,
    );
    return Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]));
  }
}

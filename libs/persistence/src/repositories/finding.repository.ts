import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { FindingPlan, FindingStatus, KnownFinding, Severity } from '@driftwatch/core';
import { FindingEntity } from '@driftwatch/persistence/entities';

export interface FindingFilter {
  scopeId?: string;
  severity?: Severity[];
  status?: FindingStatus[];
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
      'SELECT id, fingerprint, status, asset FROM findings WHERE scope_id = $1 FOR UPDATE',
      [scopeId],
    );
    return rows;
  }

  /** Apply a finding plan for one evaluated snapshot. Runs inside the caller's transaction. */
  async apply(
    scopeId: string,
    plan: FindingPlan,
    context: { snapshotId: string; at: Date; policyVersion: string },
    manager: EntityManager,
  ): Promise<void> {
    const repo = this.repo(manager);
    if (plan.create.length > 0) {
      await repo.save(
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
    }
    for (const { id, result } of plan.seen) {
      await manager.query(
        `UPDATE findings SET status = 'open', title = $2, requirements = $3, severity = $4, message = $5,
           remediation = $6, evidence = $7, last_seen_at = $8, last_snapshot_id = $9, resolved_at = NULL,
           resolved_snapshot_id = NULL, policy_version = $10
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
        ],
      );
    }
    if (plan.resolve.length > 0) {
      await manager.query(
        `UPDATE findings SET status = 'resolved', resolved_at = $1, resolved_snapshot_id = $2
         WHERE id = ANY($3::uuid[])`,
        [context.at, context.snapshotId, plan.resolve],
      );
    }
  }

  async list(filter: FindingFilter): Promise<{ items: FindingEntity[]; total: number }> {
    const qb = this.repo().createQueryBuilder('f');
    if (filter.scopeId) qb.andWhere('f.scope_id = :scopeId', { scopeId: filter.scopeId });
    if (filter.severity?.length) qb.andWhere('f.severity IN (:...severity)', { severity: filter.severity });
    if (filter.status?.length) qb.andWhere('f.status IN (:...status)', { status: filter.status });
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

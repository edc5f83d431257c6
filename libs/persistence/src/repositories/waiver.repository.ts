import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull } from 'typeorm';

import { WaiverEntity } from '@driftwatch/persistence/entities';

export interface WaiverFilter {
  scopeId?: string;
  findingId?: string;
  /** true: in force (neither revoked nor expired); false: ended. */
  inForce?: boolean;
  limit: number;
  offset: number;
}

@Injectable()
export class WaiverRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(WaiverEntity);
  }

  async insert(waiver: Omit<WaiverEntity, 'id'>, manager: EntityManager): Promise<WaiverEntity> {
    return this.repo(manager).save(this.repo(manager).create(waiver));
  }

  async findById(id: string, manager?: EntityManager): Promise<WaiverEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  async inForceFor(findingId: string, manager?: EntityManager): Promise<WaiverEntity | null> {
    return this.repo(manager).findOneBy({ findingId, revokedAt: IsNull(), expiredAt: IsNull() });
  }

  /** In-force waivers of many findings at once, for listing findings. */
  async inForceForFindings(findingIds: readonly string[]): Promise<Map<string, WaiverEntity>> {
    if (findingIds.length === 0) return new Map();
    const rows = await this.repo()
      .createQueryBuilder('w')
      .where('w.finding_id = ANY(:ids)', { ids: findingIds })
      .andWhere('w.revoked_at IS NULL AND w.expired_at IS NULL')
      .getMany();
    return new Map(rows.map((w) => [w.findingId, w]));
  }

  /** Waivers past their expiry and not yet applied, locked so concurrent sweeps apply each once. */
  async lockDue(now: Date, limit: number, manager: EntityManager): Promise<WaiverEntity[]> {
    return this.repo(manager)
      .createQueryBuilder('w')
      .where('w.expires_at <= :now AND w.revoked_at IS NULL AND w.expired_at IS NULL', { now })
      .orderBy('w.expires_at', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async markExpired(id: string, at: Date, manager: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { expiredAt: at });
  }

  /** Ends a waiver still in force; false when it had already ended (revoked or expired). */
  async markRevoked(id: string, at: Date, by: string | null, manager: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update(
      { id, revokedAt: IsNull(), expiredAt: IsNull() },
      { revokedAt: at, revokedBy: by },
    );
    return (result.affected ?? 0) > 0;
  }

  async list(filter: WaiverFilter): Promise<{ items: WaiverEntity[]; total: number }> {
    const qb = this.repo().createQueryBuilder('w');
    if (filter.scopeId) qb.andWhere('w.scope_id = :scopeId', { scopeId: filter.scopeId });
    if (filter.findingId) qb.andWhere('w.finding_id = :findingId', { findingId: filter.findingId });
    if (filter.inForce === true) qb.andWhere('w.revoked_at IS NULL AND w.expired_at IS NULL');
    if (filter.inForce === false) qb.andWhere('(w.revoked_at IS NOT NULL OR w.expired_at IS NOT NULL)');
    qb.orderBy('w.created_at', 'DESC').addOrderBy('w.id', 'ASC').take(filter.limit).skip(filter.offset);
    const [items, total] = await qb.getManyAndCount();
    return { items, total };
  }
}

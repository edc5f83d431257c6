import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull } from 'typeorm';

import { ScopeEntity } from '@driftwatch/persistence/entities';

export type NewScope = Pick<
  ScopeEntity,
  | 'name'
  | 'targets'
  | 'ports'
  | 'approvedPorts'
  | 'schedule'
  | 'vantage'
  | 'scripts'
  | 'hostTimeoutSeconds'
  | 'scanTimeoutSeconds'
  | 'hostDiscovery'
>;

@Injectable()
export class ScopeRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(ScopeEntity);
  }

  async create(scope: NewScope, manager?: EntityManager): Promise<ScopeEntity> {
    return this.repo(manager).save(this.repo(manager).create({ ...scope, deletedAt: null }));
  }

  async findLive(id: string, manager?: EntityManager): Promise<ScopeEntity | null> {
    return this.repo(manager).findOneBy({ id, deletedAt: IsNull() });
  }

  /**
   * A live scope locked for the caller's transaction: an update reads and writes it under the
   * lock, so a concurrent delete or update cannot be overwritten by a stale copy.
   */
  async lockLive(id: string, manager: EntityManager): Promise<ScopeEntity | null> {
    return this.repo(manager)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.id = :id AND s.deleted_at IS NULL', { id })
      .getOne();
  }

  /** Any scope, deleted or not (its scans and history outlive it). */
  async findById(id: string): Promise<ScopeEntity | null> {
    return this.repo().findOneBy({ id });
  }

  /** The vantages live scopes scan from: the scan queues that exist. */
  async liveVantages(): Promise<string[]> {
    const rows: { vantage: string }[] = await this.dataSource.query(
      `SELECT DISTINCT vantage FROM scopes WHERE deleted_at IS NULL ORDER BY vantage`,
    );
    return rows.map((r) => r.vantage);
  }

  async findLiveByName(name: string): Promise<ScopeEntity | null> {
    return this.repo().findOneBy({ name, deletedAt: IsNull() });
  }

  async listLive(page: { limit: number; offset: number }): Promise<{ items: ScopeEntity[]; total: number }> {
    const [items, total] = await this.repo().findAndCount({
      where: { deletedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items, total };
  }

  async listScheduled(): Promise<ScopeEntity[]> {
    return this.repo()
      .createQueryBuilder('s')
      .where('s.deleted_at IS NULL AND s.schedule IS NOT NULL')
      .orderBy('s.id')
      .getMany();
  }

  async countLive(): Promise<number> {
    return this.repo().countBy({ deletedAt: IsNull() });
  }

  async update(scope: ScopeEntity, manager?: EntityManager): Promise<ScopeEntity> {
    return this.repo(manager).save(scope);
  }

  async softDelete(id: string, at: Date, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update({ id, deletedAt: IsNull() }, { deletedAt: at });
    return (result.affected ?? 0) > 0;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { BaselineEntity } from '@driftwatch/persistence/entities';

@Injectable()
export class BaselineRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(BaselineEntity);
  }

  async insert(baseline: Omit<BaselineEntity, 'id'>, manager: EntityManager): Promise<BaselineEntity> {
    return this.repo(manager).save(this.repo(manager).create(baseline));
  }

  async latest(scopeId: string): Promise<BaselineEntity | null> {
    return this.repo().findOne({ where: { scopeId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /** The latest baseline of each scope given. */
  async latestOf(scopeIds: readonly string[]): Promise<Map<string, BaselineEntity>> {
    if (scopeIds.length === 0) return new Map();
    const rows = await this.repo()
      .createQueryBuilder('b')
      .distinctOn(['b.scope_id'])
      .where('b.scope_id = ANY(:ids)', { ids: [...new Set(scopeIds)] })
      .orderBy('b.scope_id')
      .addOrderBy('b.created_at', 'DESC')
      .addOrderBy('b.id', 'DESC')
      .getMany();
    return new Map(rows.map((b) => [b.scopeId, b]));
  }

  async list(scopeId: string): Promise<BaselineEntity[]> {
    return this.repo().find({ where: { scopeId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }
}

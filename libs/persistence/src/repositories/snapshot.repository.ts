import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { SnapshotEntity } from '@driftwatch/persistence/entities';

export type NewSnapshot = Omit<SnapshotEntity, 'id'>;

@Injectable()
export class SnapshotRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(SnapshotEntity);
  }

  async insert(snapshot: NewSnapshot, manager: EntityManager): Promise<SnapshotEntity> {
    const entity = this.repo(manager).create(snapshot);
    await this.repo(manager).insert(entity);
    return entity;
  }

  /** The scope's newest snapshot: the one a new snapshot is diffed against. */
  async latestForScope(scopeId: string, manager: EntityManager): Promise<SnapshotEntity | null> {
    return this.repo(manager).findOne({ where: { scopeId }, order: { seq: 'DESC' } });
  }

  async findById(id: string): Promise<SnapshotEntity | null> {
    return this.repo().findOneBy({ id });
  }

  /** Snapshot metadata of a scope, newest first (the content is in the state intervals). */
  async listForScope(
    scopeId: string,
    page: { limit: number; offset: number },
  ): Promise<{ items: Omit<SnapshotEntity, 'run'>[]; total: number }> {
    const [items, total] = await this.repo().findAndCount({
      select: [
        'id',
        'scopeId',
        'scanId',
        'vantage',
        'takenAt',
        'seq',
        'contentHash',
        'missingTargets',
        'hostCount',
        'openPortCount',
      ],
      where: { scopeId },
      order: { seq: 'DESC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items, total };
  }
}

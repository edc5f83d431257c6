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

  async findById(id: string): Promise<SnapshotEntity | null> {
    return this.repo().findOneBy({ id });
  }
}

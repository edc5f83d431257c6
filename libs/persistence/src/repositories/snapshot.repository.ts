import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { SnapshotEntity } from '@driftwatch/persistence/entities';

import { afterWriter, holdWriterLock } from './writer-lock';

export type NewSnapshot = Omit<SnapshotEntity, 'id'>;

const writerLockKey = (snapshotId: string) => `driftwatch.snapshot-writer:${snapshotId}`;

@Injectable()
export class SnapshotRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(SnapshotEntity);
  }

  /**
   * Inserts a snapshot; the inserting transaction holds the snapshot's lock until it ends, so a
   * reader that finds no such snapshot can wait for that transaction (findCommitted).
   */
  async insert(snapshot: NewSnapshot, manager: EntityManager): Promise<SnapshotEntity> {
    const entity = this.repo(manager).create(snapshot);
    await this.repo(manager).insert(entity);
    await holdWriterLock(manager, writerLockKey(entity.id));
    return entity;
  }

  /**
   * The snapshot, waiting for the transaction that stores it if that is still open: the job that
   * evaluates an imported snapshot is enqueued inside that transaction (a refused job stores
   * nothing), so a worker can take it before the commit. Without the wait it would find nothing
   * and retry only after the queue's backoff.
   */
  async findCommitted(id: string): Promise<SnapshotEntity | null> {
    const found = await this.findById(id);
    if (found) return found;
    return afterWriter(this.dataSource, writerLockKey(id), (manager) => this.repo(manager).findOneBy({ id }));
  }

  /** The scope's newest snapshot: the one a new snapshot is diffed against. */
  async latestForScope(scopeId: string, manager: EntityManager): Promise<SnapshotEntity | null> {
    return this.repo(manager).findOne({ where: { scopeId }, order: { seq: 'DESC' } });
  }

  /** The scope's last snapshot taken at or before `at`: what the scope looked like then. */
  async latestAt(scopeId: string, at: Date): Promise<SnapshotEntity | null> {
    return this.repo()
      .createQueryBuilder('s')
      .where('s.scope_id = :scopeId', { scopeId })
      .andWhere('s.taken_at <= :at', { at })
      .orderBy('s.taken_at', 'DESC')
      .addOrderBy('s.seq', 'DESC')
      .limit(1)
      .getOne();
  }

  async findById(id: string): Promise<SnapshotEntity | null> {
    return this.repo().findOneBy({ id });
  }

  async findByIds(ids: readonly string[]): Promise<Map<string, SnapshotEntity>> {
    if (ids.length === 0) return new Map();
    const rows = await this.repo().createQueryBuilder('s').where('s.id = ANY(:ids)', { ids }).getMany();
    return new Map(rows.map((s) => [s.id, s]));
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

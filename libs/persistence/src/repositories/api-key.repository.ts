import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull } from 'typeorm';

import { ApiKeyEntity } from '@driftwatch/persistence/entities';

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(ApiKeyEntity);
  }

  private repoOf(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(ApiKeyEntity);
  }

  async create(
    key: Pick<ApiKeyEntity, 'name' | 'prefix' | 'secretHash' | 'role' | 'createdAt'>,
    manager?: EntityManager,
  ): Promise<ApiKeyEntity> {
    const repo = this.repoOf(manager);
    return repo.save(repo.create({ ...key, lastUsedAt: null, revokedAt: null }));
  }

  async findActiveByPrefix(prefix: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ prefix, revokedAt: IsNull() });
  }

  async list(): Promise<ApiKeyEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async countActiveAdmins(): Promise<number> {
    return this.repo.countBy({ role: 'admin', revokedAt: IsNull() });
  }

  /** Revokes an active key; `changed` is false when it was already revoked. */
  async revoke(
    id: string,
    at: Date,
    manager?: EntityManager,
  ): Promise<{ key: ApiKeyEntity; changed: boolean } | null> {
    const repo = this.repoOf(manager);
    const result = await repo.update({ id, revokedAt: IsNull() }, { revokedAt: at });
    const key = await repo.findOneBy({ id });
    return key ? { key, changed: (result.affected ?? 0) > 0 } : null;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: at });
  }
}

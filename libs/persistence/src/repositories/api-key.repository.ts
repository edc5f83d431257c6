import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull } from 'typeorm';

import { ApiKeyEntity } from '@driftwatch/persistence/entities';

import { preparedQuery } from './prepared-statement';

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

  /** Runs on every authenticated request: a prepared statement, no query building. */
  async findActiveByPrefix(prefix: string): Promise<ApiKeyEntity | null> {
    const [row] = await preparedQuery<ApiKeyEntity>(
      this.dataSource,
      `SELECT id, name, prefix, secret_hash AS "secretHash", role, created_at AS "createdAt",
         last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"
       FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL LIMIT 1`,
      [prefix],
    );
    return row ?? null;
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

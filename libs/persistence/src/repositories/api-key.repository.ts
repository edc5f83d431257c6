import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';

import { ApiKeyEntity } from '@driftwatch/persistence/entities';

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(ApiKeyEntity);
  }

  async create(
    key: Pick<ApiKeyEntity, 'name' | 'prefix' | 'secretHash' | 'role' | 'createdAt'>,
  ): Promise<ApiKeyEntity> {
    return this.repo.save(this.repo.create({ ...key, lastUsedAt: null, revokedAt: null }));
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

  async revoke(id: string, at: Date): Promise<ApiKeyEntity | null> {
    await this.repo.update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return this.repo.findOneBy({ id });
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: at });
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull } from 'typeorm';

import { WebhookEntity, type WebhookEventType } from '@driftwatch/persistence/entities';

@Injectable()
export class WebhookRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(WebhookEntity);
  }

  async insert(webhook: Omit<WebhookEntity, 'id'>, manager: EntityManager): Promise<WebhookEntity> {
    return this.repo(manager).save(this.repo(manager).create(webhook));
  }

  /** A webhook, deleted or not (a deleted webhook's deliveries stay readable). */
  async findById(id: string, manager?: EntityManager): Promise<WebhookEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  async findLive(id: string, manager?: EntityManager): Promise<WebhookEntity | null> {
    return this.repo(manager).findOneBy({ id, deletedAt: IsNull() });
  }

  async listLive(scopeId: string): Promise<WebhookEntity[]> {
    return this.repo().find({
      where: { scopeId, deletedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async countLive(scopeId: string, manager: EntityManager): Promise<number> {
    return this.repo(manager).countBy({ scopeId, deletedAt: IsNull() });
  }

  /** The event types some live, enabled webhook of the scope subscribes to: nothing to build when empty. */
  async subscribedTypes(scopeId: string, manager: EntityManager): Promise<Set<WebhookEventType>> {
    const rows: { type: WebhookEventType }[] = await manager.query(
      `SELECT DISTINCT unnest(events) AS type FROM webhooks
       WHERE scope_id = $1 AND enabled AND deleted_at IS NULL`,
      [scopeId],
    );
    return new Set(rows.map((r) => r.type));
  }

  /** A live webhook, locked until the transaction ends. */
  async lockLive(id: string, manager: EntityManager): Promise<WebhookEntity | null> {
    return this.repo(manager).findOne({
      where: { id, deletedAt: IsNull() },
      lock: { mode: 'pessimistic_write' },
    });
  }

  async update(
    id: string,
    changes: Partial<
      Pick<
        WebhookEntity,
        'url' | 'events' | 'enabled' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt'
      >
    >,
    manager: EntityManager,
  ): Promise<void> {
    await this.repo(manager).update({ id }, changes);
  }

  async markDeleted(id: string, at: Date, by: string | null, manager: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { deletedAt: at, deletedBy: by, enabled: false });
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  WebhookDeliveryEntity,
  type WebhookDeliveryStatus,
  WebhookEntity,
  type WebhookEventType,
} from '@driftwatch/persistence/entities';

/** The outcome of one attempt, recorded on the delivery. */
export interface DeliveryAttempt {
  status: WebhookDeliveryStatus;
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
}

@Injectable()
export class WebhookDeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(WebhookDeliveryEntity);
  }

  /**
   * One event of a scope: a pending delivery for each live, enabled webhook of the scope that
   * subscribes to its type, all with one new event id (set as the payload's `id`). Runs inside
   * the transaction that made the event happen (the outbox). Returns the delivery ids.
   */
  async recordEvent(
    scopeId: string,
    type: WebhookEventType,
    payload: Record<string, unknown>,
    at: Date,
    manager: EntityManager,
  ): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `WITH event AS (SELECT gen_random_uuid() AS id)
       INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, created_at)
       SELECT w.id, event.id, $2, jsonb_set($3::jsonb, '{id}', to_jsonb(event.id::text)), $4
       FROM webhooks w CROSS JOIN event
       WHERE w.scope_id = $1 AND w.enabled AND w.deleted_at IS NULL AND $2 = ANY(w.events)
       RETURNING id`,
      [scopeId, type, JSON.stringify(payload), at],
    );
    return rows.map((r) => r.id);
  }

  /** A `ping` to one webhook, whatever it subscribes to. */
  async recordPing(
    webhookId: string,
    payload: Record<string, unknown>,
    at: Date,
    manager: EntityManager,
  ): Promise<WebhookDeliveryEntity> {
    const [row]: { id: string }[] = await manager.query(
      `WITH event AS (SELECT gen_random_uuid() AS id)
       INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, created_at)
       SELECT $1, event.id, 'ping', jsonb_set($2::jsonb, '{id}', to_jsonb(event.id::text)), $3 FROM event
       RETURNING id`,
      [webhookId, JSON.stringify(payload), at],
    );
    return this.repo(manager).findOneByOrFail({ id: row?.id ?? '' });
  }

  async findById(id: string, manager?: EntityManager): Promise<WebhookDeliveryEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** A delivery and its webhook (with the secret, for signing): what the worker sends. */
  async findForSending(
    id: string,
  ): Promise<{ delivery: WebhookDeliveryEntity; webhook: WebhookEntity } | null> {
    const delivery = await this.repo().findOneBy({ id });
    if (!delivery) return null;
    const webhook = await this.dataSource.getRepository(WebhookEntity).findOneBy({ id: delivery.webhookId });
    return webhook ? { delivery, webhook } : null;
  }

  /** Records one attempt on a pending delivery; false when it was no longer pending. */
  async recordAttempt(id: string, attempt: DeliveryAttempt): Promise<boolean> {
    // TypeORM answers an UPDATE on PostgreSQL with [rows, affected count].
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_status_code = $3,
         last_error = $4, next_attempt_at = $5, delivered_at = $6
       WHERE id = $1 AND status = 'pending'`,
      [id, attempt.status, attempt.statusCode, attempt.error, attempt.nextAttemptAt, attempt.deliveredAt],
    );
    return affected > 0;
  }

  /**
   * A delivery the receiver took (2xx) is delivered, whatever happened to the row while the
   * request was in flight: a webhook deleted meanwhile failed it as pending ("the webhook was
   * deleted"), though the event arrived. `attemptsBefore` (as read before sending) makes sure no
   * other attempt was recorded since.
   */
  async recordDelivered(
    id: string,
    attemptsBefore: number,
    delivered: { statusCode: number; at: Date },
  ): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status_code = $3,
         last_error = NULL, next_attempt_at = NULL, delivered_at = $4
       WHERE id = $1 AND attempts = $2 AND status IN ('pending', 'failed')`,
      [id, attemptsBefore, delivered.statusCode, delivered.at],
    );
    return affected > 0;
  }

  /** Pending deliveries of a deleted webhook end as failed, saying why. */
  async failPendingOf(webhookId: string, reason: string, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE webhook_deliveries SET status = 'failed', last_error = $2, next_attempt_at = NULL
       WHERE webhook_id = $1 AND status = 'pending'`,
      [webhookId, reason],
    );
  }

  /** Pending deliveries created before `before`, oldest first, after a (created_at, id) cursor. */
  async pendingBefore(
    before: Date,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<{ id: string; createdAt: Date }[]> {
    const rows: { id: string; created_at: Date }[] = await this.dataSource.query(
      `SELECT id, created_at FROM webhook_deliveries
       WHERE status = 'pending' AND created_at < $1
         AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
       ORDER BY created_at, id LIMIT $2`,
      [before, limit, after?.createdAt ?? null, after?.id ?? null],
    );
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
  }

  /** Deletes up to `limit` settled (delivered or failed) deliveries created before `before`; returns how many. */
  async deleteSettledBefore(before: Date, limit: number): Promise<number> {
    const rows: { id: string }[] = await this.dataSource.query(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries
         WHERE status IN ('delivered', 'failed') AND created_at < $1
         ORDER BY created_at, id LIMIT $2)
       RETURNING id`,
      [before, limit],
    );
    return rows.length;
  }

  async list(
    webhookId: string,
    page: { limit: number; offset: number },
  ): Promise<{ items: WebhookDeliveryEntity[]; total: number }> {
    const [items, total] = await this.repo().findAndCount({
      where: { webhookId },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items, total };
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AppConfig } from '@driftwatch/config';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import {
  ScopeRepository,
  WebhookDeliveryRepository,
  type WebhookEntity,
  WebhookRepository,
} from '@driftwatch/persistence';

import type { Principal } from '@driftwatch/application/api-keys/api-key.service';
import { AuditTrail, keyActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';
import { SecretGenerator } from '@driftwatch/application/common/secret-generator';
import { scopeNotFound } from '@driftwatch/application/scopes/scope-not-found';

import {
  type CreateWebhookDto,
  type UpdateWebhookDto,
  type ListWebhookDeliveriesQueryDto,
  mapWebhook,
  type RotateWebhookSecretDto,
  mapWebhookDelivery,
  type WebhookCreatedResponseDto,
  type WebhookDeliveryListResponseDto,
  type WebhookDeliveryResponseDto,
  type WebhookListResponseDto,
  type WebhookResponseDto,
} from './webhook.dto';
import { WebhookEvents } from './webhook-events.service';
import { pingEvent } from './webhook-payload';
import { parseNetworks } from './webhook-destination';
import { webhookUrlProblem } from './webhook-url';

/** Webhooks per scope: enough for a few receivers per team, few enough that one event stays cheap. */
export const MAX_WEBHOOKS_PER_SCOPE = 20;
const SECRET_BYTES = 32;
const HOUR_MS = 3_600_000;

function webhookNotFound(id: string): DriftwatchError {
  return new DriftwatchError(ErrorCode.NotFound, `webhook ${id} not found`);
}

/** Managing a scope's webhooks and reading what was delivered. The secret leaves only in the creation answer. */
@Injectable()
export class WebhookService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopeRepository,
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly events: WebhookEvents,
    private readonly secrets: SecretGenerator,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly audit: AuditTrail,
  ) {}

  async create(
    scopeId: string,
    dto: CreateWebhookDto,
    principal: Principal,
  ): Promise<WebhookCreatedResponseDto> {
    this.checkUrl(dto.url);
    const secret = this.newSecret();
    return this.dataSource.transaction(async (manager) => {
      // Lock the scope: concurrent creations count each other against the cap.
      const scope = await this.scopes.findLive(scopeId, manager);
      if (!scope) throw scopeNotFound(scopeId);
      await manager.query('SELECT id FROM scopes WHERE id = $1 FOR NO KEY UPDATE', [scopeId]);
      if ((await this.webhooks.countLive(scopeId, manager)) >= MAX_WEBHOOKS_PER_SCOPE)
        throw new DriftwatchError(
          ErrorCode.Conflict,
          `scope ${scopeId} already has ${MAX_WEBHOOKS_PER_SCOPE} webhooks; delete one first`,
        );
      const webhook = await this.webhooks.insert(
        {
          scopeId,
          url: dto.url,
          events: [...dto.events],
          secret,
          previousSecret: null,
          previousSecretExpiresAt: null,
          enabled: true,
          createdAt: this.clock.now(),
          createdBy: principal.keyId,
          deletedAt: null,
          deletedBy: null,
        },
        manager,
      );
      // The trail names the receiver by origin: a path or query may carry a token, never the secret.
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: 'webhook.created',
        subjectType: 'webhook',
        subjectId: webhook.id,
        scopeId,
        details: { origin: new URL(dto.url).origin, events: [...dto.events] },
      });
      return { ...mapWebhook(webhook), secret };
    });
  }

  async list(scopeId: string): Promise<WebhookListResponseDto> {
    if (!(await this.scopes.findLive(scopeId))) throw scopeNotFound(scopeId);
    return { items: (await this.webhooks.listLive(scopeId)).map(mapWebhook) };
  }

  /**
   * Changes a webhook's URL, events or state. Disabling pauses it: no new events, and its
   * deliveries not yet sent fail (the deliverer checks at send time); enabling resumes it.
   */
  async update(id: string, dto: UpdateWebhookDto, principal: Principal): Promise<WebhookResponseDto> {
    if (dto.url === undefined && dto.events === undefined && dto.enabled === undefined) {
      throw DriftwatchError.validation([
        { field: 'body', reason: 'must change at least one of url, events, enabled' },
      ]);
    }
    if (dto.url !== undefined) this.checkUrl(dto.url);
    return this.dataSource.transaction(async (manager) => {
      const webhook = await this.webhooks.lockLive(id, manager);
      if (!webhook) throw webhookNotFound(id);
      const changes = {
        ...(dto.url !== undefined ? { url: dto.url } : {}),
        ...(dto.events !== undefined ? { events: [...dto.events] } : {}),
        ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
      };
      await this.webhooks.update(id, changes, manager);
      const updated = { ...webhook, ...changes };
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: 'webhook.updated',
        subjectType: 'webhook',
        subjectId: id,
        scopeId: webhook.scopeId,
        details: { before: auditedWebhook(webhook), after: auditedWebhook(updated) },
      });
      return mapWebhook(updated);
    });
  }

  /**
   * A new signing secret, shown this once. Without an overlap the old one stops at once; with
   * `overlapHours` it keeps signing next to the new one until then (each delivery carries both
   * signatures), so a receiver can switch without refusing anything. A rotation ends any earlier
   * overlap: at most two secrets ever sign. Deliveries are signed when sent, so a retry after the
   * rotation carries the new signature.
   */
  async rotateSecret(
    id: string,
    dto: RotateWebhookSecretDto,
    principal: Principal,
  ): Promise<WebhookCreatedResponseDto> {
    const secret = this.newSecret();
    const overlapHours = dto.overlapHours ?? 0;
    return this.dataSource.transaction(async (manager) => {
      const webhook = await this.webhooks.lockLive(id, manager);
      if (!webhook) throw webhookNotFound(id);
      const previousSecretExpiresAt =
        overlapHours > 0 ? new Date(this.clock.now().getTime() + overlapHours * HOUR_MS) : null;
      const changes = {
        secret,
        previousSecret: previousSecretExpiresAt ? webhook.secret : null,
        previousSecretExpiresAt,
      };
      await this.webhooks.update(id, changes, manager);
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: 'webhook.secret-rotated',
        subjectType: 'webhook',
        subjectId: id,
        scopeId: webhook.scopeId,
        details: {
          origin: new URL(webhook.url).origin,
          overlapEndsAt: previousSecretExpiresAt?.toISOString() ?? null,
        },
      });
      return { ...mapWebhook({ ...webhook, ...changes }), secret };
    });
  }

  /** The webhook receives nothing more; its pending deliveries fail, its history stays readable. */
  async delete(id: string, principal: Principal): Promise<WebhookResponseDto> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const webhook = await this.webhooks.findLive(id, manager);
      if (!webhook) throw webhookNotFound(id);
      await this.webhooks.markDeleted(id, now, principal.keyId, manager);
      await this.deliveries.failPendingOf(id, 'the webhook was deleted', manager);
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: 'webhook.deleted',
        subjectType: 'webhook',
        subjectId: id,
        scopeId: webhook.scopeId,
        details: { origin: new URL(webhook.url).origin },
      });
      return mapWebhook({ ...webhook, enabled: false, deletedAt: now, deletedBy: principal.keyId });
    });
  }

  async listDeliveries(
    id: string,
    query: ListWebhookDeliveriesQueryDto,
  ): Promise<WebhookDeliveryListResponseDto> {
    if (!(await this.webhooks.findById(id))) throw webhookNotFound(id);
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total } = await this.deliveries.list(id, { limit, offset });
    return { items: items.map(mapWebhookDelivery), page: { total, limit, offset } };
  }

  private checkUrl(url: string): void {
    const problem = webhookUrlProblem(
      url,
      this.config.webhooks.allowHttpHosts,
      parseNetworks(this.config.webhooks.allowedNetworks),
    );
    if (problem) throw DriftwatchError.validation([{ field: 'url', reason: problem }]);
  }

  private newSecret(): string {
    return `whsec_${this.secrets.token(SECRET_BYTES)}`;
  }

  /** Sends a `ping` through the queue like any event; the answer is the pending delivery to follow. */
  async test(id: string): Promise<WebhookDeliveryResponseDto> {
    const now = this.clock.now();
    const delivery = await this.dataSource.transaction(async (manager) => {
      const webhook = await this.webhooks.findLive(id, manager);
      if (!webhook) throw webhookNotFound(id);
      return this.deliveries.recordPing(id, pingEvent(webhook.scopeId, id, now), now, manager);
    });
    await this.events.dispatch([delivery.id]);
    return mapWebhookDelivery(delivery);
  }
}

/** What the trail keeps of a webhook: the receiver by origin (a path or query may carry a token), never the secret. */
function auditedWebhook(webhook: Pick<WebhookEntity, 'url' | 'events' | 'enabled'>): Record<string, unknown> {
  return { origin: new URL(webhook.url).origin, events: [...webhook.events], enabled: webhook.enabled };
}

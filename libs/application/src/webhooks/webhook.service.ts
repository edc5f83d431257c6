import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AppConfig } from '@driftwatch/config';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import { ScopeRepository, WebhookDeliveryRepository, WebhookRepository } from '@driftwatch/persistence';

import type { Principal } from '@driftwatch/application/api-keys/api-key.service';
import { AuditTrail, keyActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';
import { SecretGenerator } from '@driftwatch/application/common/secret-generator';
import { scopeNotFound } from '@driftwatch/application/scopes/scope.service';

import {
  type CreateWebhookDto,
  type ListWebhookDeliveriesQueryDto,
  mapWebhook,
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
    const problem = webhookUrlProblem(
      dto.url,
      this.config.webhooks.allowHttpHosts,
      parseNetworks(this.config.webhooks.allowedNetworks),
    );
    if (problem) throw DriftwatchError.validation([{ field: 'url', reason: problem }]);
    const secret = `whsec_${this.secrets.token(SECRET_BYTES)}`;
    return this.dataSource.transaction(async (manager) => {
      // Lock the scope: concurrent creations count each other against the cap.
      const scope = await this.scopes.findLive(scopeId, manager);
      if (!scope) throw scopeNotFound(scopeId);
      await manager.query('SELECT id FROM scopes WHERE id = $1 FOR UPDATE', [scopeId]);
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

import { Injectable, Logger } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';
import { DriftwatchError, ErrorCode, errorChain } from '@driftwatch/core';
import { WebhookDeliveryRepository } from '@driftwatch/persistence';
import { WebhookQueue } from '@driftwatch/queue';

import { Clock } from '@driftwatch/application/common/clock';

import { WebhookDestinationRefused, WebhookSender } from './webhook-sender';
import { WebhookSigner } from './webhook-signer';

export type DeliveryOutcome =
  | { kind: 'delivered'; statusCode: number; attempts: number }
  | { kind: 'failed'; attempts: number; reason: string }
  | { kind: 'skipped'; reason: string };

/** Pending deliveries younger than this are left to the enqueue that follows their commit. */
const SWEEP_GRACE_MS = 30_000;
const SWEEP_PAGE = 500;
const SWEEP_MAX_PAGES = 20;
const ERROR_MAX_LENGTH = 1000;
const DAY_MS = 86_400_000;

/**
 * Sends webhook deliveries (the worker's side): sign, POST, record the attempt on the delivery.
 * A non-2xx answer, a network error or a timeout records the attempt and throws, so BullMQ
 * retries with exponential backoff; the attempt that reaches WEBHOOK_ATTEMPTS (counted on the
 * delivery row, so a re-enqueued delivery does not start over) marks it failed instead.
 */
@Injectable()
export class WebhookDeliverer {
  private readonly logger = new Logger(WebhookDeliverer.name);

  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly queue: WebhookQueue,
    private readonly sender: WebhookSender,
    private readonly signer: WebhookSigner,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async deliver(deliveryId: string): Promise<DeliveryOutcome> {
    const found = await this.deliveries.findForSending(deliveryId);
    if (!found) return { kind: 'skipped', reason: 'no such delivery' };
    const { delivery, webhook } = found;
    if (delivery.status !== 'pending') return { kind: 'skipped', reason: `already ${delivery.status}` };
    const attempt = delivery.attempts + 1;
    if (webhook.deletedAt || !webhook.enabled) {
      const reason = webhook.deletedAt ? 'the webhook was deleted' : 'the webhook is disabled';
      await this.deliveries.recordAttempt(delivery.id, {
        status: 'failed',
        statusCode: null,
        error: reason,
        nextAttemptAt: null,
        deliveredAt: null,
      });
      return { kind: 'failed', attempts: attempt, reason };
    }

    const body = JSON.stringify(delivery.payload);
    const now = this.clock.now();
    const timestamp = Math.floor(now.getTime() / 1000);
    // A rotated secret still in its overlap signs too, after the current one.
    const secrets =
      webhook.previousSecret && webhook.previousSecretExpiresAt && now < webhook.previousSecretExpiresAt
        ? [webhook.secret, webhook.previousSecret]
        : [webhook.secret];
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'Driftwatch-Webhooks',
      'Driftwatch-Event': delivery.eventType,
      'Driftwatch-Delivery': delivery.id,
      'Driftwatch-Timestamp': String(timestamp),
      'Driftwatch-Signature': this.signer.signatures(secrets, timestamp, body),
    };
    let statusCode: number | null = null;
    let error: string;
    let refused = false;
    try {
      statusCode = (await this.sender.post(webhook.url, headers, body)).status;
      if (statusCode >= 200 && statusCode < 300) {
        await this.deliveries.recordDelivered(delivery.id, delivery.attempts, {
          statusCode,
          at: this.clock.now(),
        });
        return { kind: 'delivered', statusCode, attempts: attempt };
      }
      error = `the receiver answered HTTP ${statusCode}`;
    } catch (sendError: unknown) {
      error = errorChain(sendError).slice(0, ERROR_MAX_LENGTH);
      refused = sendError instanceof WebhookDestinationRefused;
    }

    // A refused destination fails at once: retrying would ask the same question again.
    const final = refused || attempt >= this.config.webhooks.attempts;
    const backoff = this.config.webhooks.backoffMs * 2 ** (attempt - 1);
    await this.deliveries.recordAttempt(delivery.id, {
      status: final ? 'failed' : 'pending',
      statusCode,
      error,
      nextAttemptAt: final ? null : new Date(this.clock.now().getTime() + backoff),
      deliveredAt: null,
    });
    this.logger.warn(
      { deliveryId: delivery.id, webhookId: webhook.id, attempt, final, statusCode, reason: error },
      'webhook delivery attempt failed',
    );
    if (final) return { kind: 'failed', attempts: attempt, reason: error };
    throw new DriftwatchError(
      ErrorCode.DependencyUnavailable,
      `webhook delivery ${delivery.id} attempt ${attempt} failed: ${error}`,
    );
  }

  /**
   * Enqueues again the pending deliveries whose job is gone (Redis was down after their commit,
   * or the job ended without the row saying so). Idempotent: the job id is the delivery id.
   * With WEBHOOK_DELIVERY_RETENTION_DAYS set, also deletes settled deliveries older than that.
   */
  async sweep(): Promise<{ requeued: number; pruned: number }> {
    const before = new Date(this.clock.now().getTime() - SWEEP_GRACE_MS);
    let requeued = 0;
    let cursor: { id: string; createdAt: Date } | undefined;
    for (let page = 0; page < SWEEP_MAX_PAGES; page += 1) {
      const pending = await this.deliveries.pendingBefore(before, SWEEP_PAGE, cursor);
      for (const p of pending) if (await this.queue.requeueDelivery(p.id)) requeued += 1;
      if (pending.length < SWEEP_PAGE) break;
      cursor = pending[pending.length - 1];
    }
    if (requeued > 0) this.logger.log({ requeued }, 'pending webhook deliveries enqueued again');
    return { requeued, pruned: await this.prune() };
  }

  /** Settled deliveries past the retention, a bounded number per sweep; the next sweep takes the rest. */
  private async prune(): Promise<number> {
    const days = this.config.webhooks.deliveryRetentionDays;
    if (days === 0) return 0;
    const before = new Date(this.clock.now().getTime() - days * DAY_MS);
    let pruned = 0;
    for (let page = 0; page < SWEEP_MAX_PAGES; page += 1) {
      const deleted = await this.deliveries.deleteSettledBefore(before, SWEEP_PAGE);
      pruned += deleted;
      if (deleted < SWEEP_PAGE) break;
    }
    if (pruned > 0)
      this.logger.log({ pruned, before: before.toISOString() }, 'old webhook deliveries deleted');
    return pruned;
  }
}

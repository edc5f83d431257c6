import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';

import { AppConfig } from '@driftwatch/config';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import {
  type DeliverWebhookPayload,
  jobIds,
  JobName,
  QueueName,
  type SweepWebhooksPayload,
} from './queue-names';
import { redisOptionsFromUrl } from './redis-connection';
import { bounded } from './scan-queue';

/** Delivery jobs retry with exponential backoff (WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF_MS). */
export function webhookJobOptions(config: AppConfig) {
  return {
    attempts: config.webhooks.attempts,
    backoff: { type: 'exponential', delay: config.webhooks.backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * The webhook queue, for producers: delivery jobs (job id = delivery id, so enqueueing a delivery
 * twice adds one job) and the periodic sweep. Fails fast while Redis is down; the deliveries
 * stay pending in PostgreSQL and the sweep enqueues them later.
 */
@Injectable()
export class WebhookQueue implements OnApplicationShutdown {
  private opened?: Queue;

  constructor(private readonly config: AppConfig) {}

  get queue(): Queue {
    if (!this.opened) {
      this.opened = new Queue(QueueName.Webhooks, {
        prefix: this.config.redis.prefix,
        connection: { ...redisOptionsFromUrl(this.config.redis.url), enableOfflineQueue: false },
        defaultJobOptions: webhookJobOptions(this.config),
      });
      this.opened.on('error', () => undefined); // surfaced by the awaited calls
    }
    return this.opened;
  }

  async enqueueDeliveries(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    const jobs = deliveryIds.map((deliveryId) => {
      const data: DeliverWebhookPayload = { deliveryId };
      return {
        name: JobName.DeliverWebhook,
        data,
        opts: { ...webhookJobOptions(this.config), jobId: jobIds.webhookDelivery(deliveryId) },
      };
    });
    await this.guard('deliver webhooks', async () => {
      for (let i = 0; i < jobs.length; i += 500) await this.queue.addBulk(jobs.slice(i, i + 500));
    });
  }

  /**
   * Enqueues a pending delivery whose job is gone: none exists, or it ended (completed or failed)
   * without the delivery row saying so. Returns whether a job was added.
   */
  async requeueDelivery(deliveryId: string): Promise<boolean> {
    const jobId = jobIds.webhookDelivery(deliveryId);
    return this.guard('re-enqueue a webhook delivery', async () => {
      const existing = await this.queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed') return false;
        await existing.remove();
      }
      const data: DeliverWebhookPayload = { deliveryId };
      await this.queue.add(JobName.DeliverWebhook, data, { jobId });
      return true;
    });
  }

  /** One sweep per slot, however many schedulers run: the job id is the slot. */
  async enqueueSweep(slot: Date): Promise<boolean> {
    const jobId = jobIds.webhookSweep(slot);
    return this.guard('sweep webhooks', async () => {
      if (await this.queue.getJob(jobId)) return false;
      const data: SweepWebhooksPayload = { slot: slot.toISOString() };
      const job = await this.queue.add(JobName.SweepWebhooks, data, { jobId, attempts: 1 });
      return job.id === jobId;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.opened?.close();
  }

  private async guard<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await bounded(operation);
    } catch (error: unknown) {
      throw new DriftwatchError(
        ErrorCode.DependencyUnavailable,
        `Could not ${what}: Redis is unavailable`,
        {},
        { cause: error },
      );
    }
  }
}

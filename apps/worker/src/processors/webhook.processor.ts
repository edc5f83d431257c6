import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';

import { type DeliveryOutcome, WebhookDeliverer } from '@driftwatch/application';
import { errorChain } from '@driftwatch/core';
import { type DeliverWebhookPayload, JobName, QueueName, type SweepWebhooksPayload } from '@driftwatch/queue';

import { toJobError } from './job-errors';

export const WEBHOOK_JOB_NAMES = [JobName.DeliverWebhook, JobName.SweepWebhooks] as const;

type WebhookJobPayload = DeliverWebhookPayload | SweepWebhooksPayload;

/** Webhook deliveries (signed POSTs, retried with backoff by BullMQ) and the sweep of lost ones. */
@Processor(QueueName.Webhooks, { concurrency: 4 })
export class WebhookProcessor extends WorkerHost {
  private readonly logger = new Logger(WebhookProcessor.name);

  constructor(private readonly deliverer: WebhookDeliverer) {
    super();
  }

  async process(job: Job<WebhookJobPayload>): Promise<DeliveryOutcome | { requeued: number }> {
    const name = job.name as JobName;
    if (!(WEBHOOK_JOB_NAMES as readonly JobName[]).includes(name)) {
      throw toJobError(new Error(`webhooks queue has no handler for job "${job.name}"`));
    }
    try {
      if (name === JobName.SweepWebhooks) return await this.deliverer.sweep();
      return await this.deliverer.deliver((job.data as DeliverWebhookPayload).deliveryId);
    } catch (error: unknown) {
      throw toJobError(error);
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<WebhookJobPayload> | undefined, error: Error): void {
    if (!job || (job.name as JobName) !== JobName.SweepWebhooks) return;
    this.logger.warn({ reason: errorChain(error) }, 'webhook sweep failed; the next slot retries');
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn({ err: error.message }, 'webhook worker error');
  }
}

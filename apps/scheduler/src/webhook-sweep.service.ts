import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { Clock } from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';
import { WebhookQueue } from '@driftwatch/queue';

import { SlotSweep } from './slot-sweep';

/**
 * Webhook deliveries are committed before their job is enqueued; if Redis was unreachable then,
 * the delivery stays pending. A worker enqueues again each pending delivery whose job is gone.
 */
@Injectable()
export class WebhookSweepService extends SlotSweep {
  protected readonly everyMs: number;

  constructor(
    registry: SchedulerRegistry,
    clock: Clock,
    config: AppConfig,
    private readonly queue: WebhookQueue,
  ) {
    super('webhook sweep', registry, clock);
    this.everyMs = config.webhooks.sweepIntervalMs;
  }

  protected enqueue(slot: Date): Promise<unknown> {
    return this.queue.enqueueSweep(slot);
  }
}

import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { Clock } from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';
import { WebhookQueue } from '@driftwatch/queue';

const SWEEP_INTERVAL = 'webhook-sweep';

/**
 * Webhook deliveries are committed before their job is enqueued; if Redis was unreachable then,
 * the delivery stays pending. Every interval this enqueues one sweep job (id = the interval slot,
 * so several schedulers add it once); a worker enqueues again each pending delivery whose job is gone.
 */
@Injectable()
export class WebhookSweepService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookSweepService.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly queue: WebhookQueue,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = setInterval(() => void this.tick(), this.config.webhooks.sweepIntervalMs);
    this.registry.addInterval(SWEEP_INTERVAL, interval);
  }

  /** Enqueues the sweep of the current slot. Never throws: the next tick tries again. */
  async tick(): Promise<void> {
    const every = this.config.webhooks.sweepIntervalMs;
    const slot = new Date(Math.floor(this.clock.now().getTime() / every) * every);
    try {
      await this.queue.enqueueSweep(slot);
    } catch (error: unknown) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'could not enqueue the webhook sweep',
      );
    }
  }
}

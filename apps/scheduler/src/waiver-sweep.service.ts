import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { Clock } from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';
import { ScanQueue } from '@driftwatch/queue';

const SWEEP_INTERVAL = 'waiver-sweep';

/**
 * Expired waivers reopen their findings with no user action: every interval this enqueues one
 * sweep job whose id is the interval slot (from the clock), so several schedulers add it once;
 * a worker applies the expiries.
 */
@Injectable()
export class WaiverSweepService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WaiverSweepService.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly queue: ScanQueue,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = setInterval(() => void this.tick(), this.config.scheduler.waiverSweepIntervalMs);
    this.registry.addInterval(SWEEP_INTERVAL, interval);
  }

  /** Enqueues the sweep of the current slot. Never throws: the next tick tries again. */
  async tick(): Promise<void> {
    const every = this.config.scheduler.waiverSweepIntervalMs;
    const slot = new Date(Math.floor(this.clock.now().getTime() / every) * every);
    try {
      await this.queue.enqueueWaiverSweep(slot);
    } catch (error: unknown) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'could not enqueue the waiver sweep',
      );
    }
  }
}

import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';

import type { Clock } from '@driftwatch/application';

/**
 * A periodic sweep: every interval the scheduler enqueues one job whose id is the interval slot
 * (from the clock), so several schedulers add it once, and a worker does the work.
 */
export abstract class SlotSweep implements OnApplicationBootstrap {
  private readonly logger: Logger;

  protected constructor(
    /** Names the interval in the registry and the sweep in logs, e.g. "waiver-sweep". */
    private readonly name: string,
    private readonly registry: SchedulerRegistry,
    private readonly clock: Clock,
  ) {
    this.logger = new Logger(name);
  }

  protected abstract readonly everyMs: number;

  /** Adds the sweep job of one slot (a job already there for the slot is kept). */
  protected abstract enqueue(slot: Date): Promise<unknown>;

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      this.name,
      setInterval(() => void this.tick(), this.everyMs),
    );
  }

  /** Enqueues the sweep of the current slot. Never throws: the next tick tries again. */
  async tick(): Promise<void> {
    const every = this.everyMs;
    const slot = new Date(Math.floor(this.clock.now().getTime() / every) * every);
    try {
      await this.enqueue(slot);
    } catch (error: unknown) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        `could not enqueue the ${this.name}`,
      );
    }
  }
}

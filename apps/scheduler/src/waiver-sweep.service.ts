import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { Clock } from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';
import { ScanQueue } from '@driftwatch/queue';

import { SlotSweep } from './slot-sweep';

/** Expired waivers reopen their findings with no user action: a worker applies the expiries. */
@Injectable()
export class WaiverSweepService extends SlotSweep {
  protected readonly everyMs: number;

  constructor(
    registry: SchedulerRegistry,
    clock: Clock,
    config: AppConfig,
    private readonly queue: ScanQueue,
  ) {
    super('waiver sweep', registry, clock);
    this.everyMs = config.scheduler.waiverSweepIntervalMs;
  }

  protected enqueue(slot: Date): Promise<boolean> {
    return this.queue.enqueueWaiverSweep(slot);
  }
}

import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { Clock } from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';
import { ScanQueue } from '@driftwatch/queue';

import { SlotSweep } from './slot-sweep';

/**
 * Unfinished scans whose job Redis lost would wait for ever: a worker enqueues their job again,
 * or records the failure a failed job could not (ScanSweep).
 */
@Injectable()
export class ScanSweepService extends SlotSweep {
  protected readonly everyMs: number;

  constructor(
    registry: SchedulerRegistry,
    clock: Clock,
    config: AppConfig,
    private readonly queue: ScanQueue,
  ) {
    super('scan sweep', registry, clock);
    this.everyMs = config.scheduler.scanSweepIntervalMs;
  }

  protected enqueue(slot: Date): Promise<boolean> {
    return this.queue.enqueueScanSweep(slot);
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { Subscription } from 'rxjs';

import { Clock, ScopeChanges } from '@driftwatch/application';
import { scheduleSlot } from '@driftwatch/core';
import { AppConfig } from '@driftwatch/config';
import { ScopeRepository } from '@driftwatch/persistence';
import { ScanQueue } from '@driftwatch/queue';

const JOB_PREFIX = 'scope-schedule:';

/** What a scope's cron job enqueues: when, and on which vantage's scan queue. */
export interface ScheduleEntry {
  expression: string;
  vantage: string;
}
const sameEntry = (a?: ScheduleEntry, b?: ScheduleEntry) =>
  a?.expression === b?.expression && a?.vantage === b?.vantage;
const SYNC_INTERVAL = 'scope-schedule-sync';

/**
 * Keeps one cron job per scheduled scope in the SchedulerRegistry. A tick only enqueues, with a
 * job id made of the scope id and the schedule slot: replicas firing for the same slot add one job.
 */
@Injectable()
export class ScopeScheduleService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ScopeScheduleService.name);
  private readonly entries = new Map<string, ScheduleEntry>();
  private subscription?: Subscription;
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly scopes: ScopeRepository,
    private readonly queue: ScanQueue,
    private readonly clock: Clock,
    private readonly changes: ScopeChanges,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    this.subscription = this.changes.changed$.subscribe(() => void this.sync());
    const interval = setInterval(() => void this.sync(), this.config.scheduler.syncIntervalMs);
    this.registry.addInterval(SYNC_INTERVAL, interval);
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    for (const name of this.registry.getCronJobs().keys()) {
      if (name.startsWith(JOB_PREFIX)) this.remove(name.slice(JOB_PREFIX.length));
    }
  }

  /** Reconcile the registry with the scopes' schedules in the database. Never throws. */
  async sync(): Promise<void> {
    // Coalesce: a sync already running will see every change committed before it reads.
    this.syncing ??= this.doSync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    try {
      const scheduled = await this.scopes.listScheduled();
      const wanted = new Map(
        scheduled.map((s) => [s.id, { expression: s.schedule as string, vantage: s.vantage }]),
      );
      for (const id of [...this.entries.keys()]) {
        if (!sameEntry(wanted.get(id), this.entries.get(id))) this.remove(id);
      }
      for (const [id, entry] of wanted) if (!this.entries.has(id)) this.add(id, entry);
    } catch (error: unknown) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'schedule sync failed; will retry',
      );
    }
  }

  /** One tick: enqueue the scan of this slot. Returns whether this replica's job was the one added. */
  async fire(scopeId: string, entry: ScheduleEntry, now: Date = this.clock.now()): Promise<boolean> {
    const slot = scheduleSlot(entry.expression, now);
    try {
      const added = await this.queue.enqueueScheduledScan(scopeId, entry.vantage, slot);
      this.logger.log({ scopeId, slot: slot.toISOString(), added }, 'schedule tick');
      return added;
    } catch (error: unknown) {
      this.logger.warn(
        { scopeId, slot: slot.toISOString(), err: String(error) },
        'could not enqueue scheduled scan',
      );
      return false;
    }
  }

  jobName(scopeId: string): string {
    return JOB_PREFIX + scopeId;
  }

  private add(scopeId: string, entry: ScheduleEntry): void {
    const job = CronJob.from({
      cronTime: entry.expression,
      timeZone: 'UTC',
      onTick: () => void this.fire(scopeId, entry),
      start: true,
    });
    this.registry.addCronJob(this.jobName(scopeId), job);
    this.entries.set(scopeId, entry);
  }

  private remove(scopeId: string): void {
    const name = this.jobName(scopeId);
    if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
    this.entries.delete(scopeId);
  }
}

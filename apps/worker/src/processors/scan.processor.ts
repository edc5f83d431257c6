import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type Job, WaitingChildrenError, Worker } from 'bullmq';

import { ScanExecutor, type ScanOutcome, ShardRunner, type ShardOutcome } from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';
import { DriftwatchError, ErrorCode, errorChain } from '@driftwatch/core';
import {
  JobName,
  type ManualScanPayload,
  redisOptionsFromUrl,
  type ScanJobPayload,
  ScanQueue,
  scanQueueName,
  type ScanShardPayload,
  type ScheduledScanPayload,
  vantageOfQueue,
} from '@driftwatch/queue';

import { isFinal, toJobError } from './job-errors';

type ScanJob = Job<ScanJobPayload & { hostnames?: [string, string[]][] }>;
type ShardJob = Job<ScanShardPayload>;

export const SCAN_JOB_NAMES = [JobName.ManualScan, JobName.ScheduledScan, JobName.ScanShard] as const;

/**
 * Consumes the scan queues of this worker's vantages (WORKER_VANTAGES), so a worker placed in a
 * network zone runs only the scans of scopes that name that zone. A scan job plans its shards,
 * adds them as child jobs and waits; when they have all finished it assembles the snapshot.
 */
@Injectable()
export class ScanProcessor implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ScanProcessor.name);
  private readonly workers: Worker[] = [];

  constructor(
    private readonly executor: ScanExecutor,
    private readonly shards: ShardRunner,
    private readonly queue: ScanQueue,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    for (const vantage of this.config.worker.vantages) {
      const worker = new Worker(
        scanQueueName(vantage),
        (job: Job, token?: string) => this.process(job, token),
        {
          connection: redisOptionsFromUrl(this.config.redis.url),
          prefix: this.config.redis.prefix,
          concurrency: this.config.scan.concurrency,
        },
      );
      worker.on('failed', (job, error) => void this.onFailed(job, error));
      // Redis outages surface here; the worker reconnects by itself.
      worker.on('error', (error) => this.logger.warn({ err: error.message, vantage }, 'scan worker error'));
      this.workers.push(worker);
    }
    this.logger.log({ vantages: this.config.worker.vantages }, 'consuming scan queues');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  async process(job: Job, token?: string): Promise<ScanOutcome | ShardOutcome | { kind: 'waiting' }> {
    try {
      if ((job.name as JobName) === JobName.ScanShard) return await this.runShard(job as ShardJob);
      return await this.runScan(job as ScanJob, token);
    } catch (error: unknown) {
      if (error instanceof WaitingChildrenError) throw error;
      throw toJobError(error);
    }
  }

  private async runScan(job: ScanJob, token?: string): Promise<ScanOutcome | { kind: 'waiting' }> {
    const scanId = await this.scanIdOf(job);
    if (job.data.step !== 'assemble') {
      const plan = await this.executor.plan(scanId, job.attemptsMade + 1);
      if (plan.kind === 'skipped') return plan;
      await this.queue.enqueueShards(job, scanId, plan.shards);
      await job.updateData({ ...job.data, scanId, step: 'assemble', hostnames: plan.hostnames });
    }
    // Park the job until its shards are done; BullMQ runs it again then (step 'assemble').
    if (token && (await job.moveToWaitingChildren(token))) throw new WaitingChildrenError();
    return this.executor.assemble(scanId, job.data.hostnames ?? []);
  }

  private async runShard(job: ShardJob): Promise<ShardOutcome> {
    const { scanId, seq } = job.data;
    try {
      return await this.shards.run(scanId, seq, job.attemptsMade + 1);
    } catch (error: unknown) {
      // Record a shard's end before BullMQ fails the job: that failure releases the scan job,
      // whose assembly must already see this shard as failed.
      const final = isFinal(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) {
        const cancelled = error instanceof DriftwatchError && error.code === ErrorCode.ScanCancelled;
        await this.shards.markGivenUp(scanId, seq, errorChain(error), cancelled);
      }
      throw error;
    }
  }

  /** Scheduled jobs create their scan row on first run; the id is kept on the job for retries. */
  private async scanIdOf(job: ScanJob): Promise<string> {
    if (job.data.scanId) return job.data.scanId;
    switch (job.name as JobName) {
      case JobName.ManualScan:
        return (job.data as ManualScanPayload).scanId;
      case JobName.ScheduledScan: {
        const { scopeId, slot } = job.data as ScheduledScanPayload;
        const scan = await this.executor.scheduledScan(
          scopeId,
          vantageOfQueue(job.queueName),
          new Date(slot),
        );
        await job.updateData({ ...job.data, scanId: scan.id });
        return scan.id;
      }
      case JobName.ScanShard:
      case JobName.EvaluateSnapshot:
      case JobName.EvaluateScopeConfig:
      case JobName.EvaluateScanFailure:
      case JobName.ExpireWaivers:
      case JobName.SweepScans:
      case JobName.DeliverWebhook:
      case JobName.SweepWebhooks:
        break;
    }
    throw new Error(`scan queue has no handler for job "${job.name}"`);
  }

  private async onFailed(job: Job | undefined, error: Error): Promise<void> {
    if (!job || (job.name as JobName) === JobName.ScanShard) return;
    const scanId = (job.data as { scanId?: string }).scanId;
    if (!scanId) return;
    const final = isFinal(error) || job.attemptsMade >= (job.opts.attempts ?? 1);
    const reason = errorChain(error);
    this.logger.warn({ scanId, attempt: job.attemptsMade, final, reason }, 'scan attempt failed');
    try {
      if (final) await this.executor.markFailed(scanId, reason);
      else await this.executor.markRetrying(scanId, reason);
    } catch (markError: unknown) {
      this.logger.error({ scanId, err: markError }, 'could not record the scan failure');
    }
  }
}

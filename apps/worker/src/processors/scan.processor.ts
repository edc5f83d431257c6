import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'bullmq';

import { ScanExecutor, type ScanOutcome } from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';
import { errorChain } from '@driftwatch/core';
import { JobName, type ManualScanPayload, QueueName, type ScheduledScanPayload } from '@driftwatch/queue';

import { isFinal, toJobError } from './job-errors';

type ScanJob = Job<(ManualScanPayload | ScheduledScanPayload) & { scanId?: string }>;

export const SCAN_JOB_NAMES = [JobName.ManualScan, JobName.ScheduledScan] as const;

@Processor(QueueName.Scan)
export class ScanProcessor extends WorkerHost implements OnModuleInit {
  private readonly logger = new Logger(ScanProcessor.name);

  constructor(
    private readonly executor: ScanExecutor,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.scan.concurrency;
  }

  async process(job: ScanJob): Promise<ScanOutcome> {
    try {
      const scanId = await this.scanIdOf(job);
      return await this.executor.execute(scanId, job.attemptsMade + 1);
    } catch (error: unknown) {
      throw toJobError(error);
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
        const scan = await this.executor.scheduledScan(scopeId, new Date(slot));
        await job.updateData({ ...job.data, scanId: scan.id });
        return scan.id;
      }
      case JobName.EvaluateSnapshot:
        break;
    }
    throw new Error(`scan queue has no handler for job "${job.name}"`);
  }

  @OnWorkerEvent('failed')
  async onFailed(job: ScanJob | undefined, error: Error): Promise<void> {
    const scanId = job?.data.scanId ?? (job?.data as ManualScanPayload | undefined)?.scanId;
    if (!job || !scanId) return;
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

  @OnWorkerEvent('error')
  onError(error: Error): void {
    // Redis outages surface here; the worker reconnects by itself.
    this.logger.warn({ err: error.message }, 'scan worker error');
  }
}

import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';

import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import {
  type EvaluateSnapshotPayload,
  jobIds,
  JobName,
  type ManualScanPayload,
  QueueName,
  type ScheduledScanPayload,
} from './queue-names';

/** Everything the app enqueues goes through here: the queue is I/O behind an injectable class. */
@Injectable()
export class ScanQueue {
  constructor(
    @InjectQueue(QueueName.Scan) private readonly scans: Queue,
    @InjectQueue(QueueName.Evaluate) private readonly evaluations: Queue,
  ) {}

  async enqueueManualScan(scanId: string): Promise<void> {
    const payload: ManualScanPayload = { scanId };
    await this.add(this.scans, JobName.ManualScan, payload, jobIds.manualScan(scanId));
  }

  /** Returns false when a job for this scope and slot already exists (another replica got there first). */
  async enqueueScheduledScan(scopeId: string, slot: Date): Promise<boolean> {
    const payload: ScheduledScanPayload = { scopeId, slot: slot.toISOString() };
    const jobId = jobIds.scheduledScan(scopeId, slot);
    return this.add(this.scans, JobName.ScheduledScan, payload, jobId);
  }

  async enqueueEvaluation(scanId: string, snapshotId: string): Promise<void> {
    const payload: EvaluateSnapshotPayload = { scanId, snapshotId };
    await this.add(this.evaluations, JobName.EvaluateSnapshot, payload, jobIds.evaluation(snapshotId));
  }

  /** Removes a scan's job if it is waiting or delayed (an active job is locked and stays). */
  async removeScanJob(scan: { id: string; scopeId: string; slot: Date | null }): Promise<void> {
    const jobId = scan.slot ? jobIds.scheduledScan(scan.scopeId, scan.slot) : jobIds.manualScan(scan.id);
    try {
      await this.scans.remove(jobId);
    } catch (error: unknown) {
      throw new DriftwatchError(
        ErrorCode.DependencyUnavailable,
        'Could not reach the scan queue',
        {},
        { cause: error },
      );
    }
  }

  async depth(): Promise<Record<QueueName, Record<string, number>>> {
    const states = ['waiting', 'active', 'delayed', 'failed'] as const;
    return {
      [QueueName.Scan]: await this.scans.getJobCounts(...states),
      [QueueName.Evaluate]: await this.evaluations.getJobCounts(...states),
    };
  }

  private async add(queue: Queue, name: JobName, data: object, jobId: string): Promise<boolean> {
    try {
      const existing = await queue.getJob(jobId);
      if (existing) return false;
      const job = await queue.add(name, data, { jobId });
      return job.id === jobId;
    } catch (error: unknown) {
      throw new DriftwatchError(
        ErrorCode.DependencyUnavailable,
        `Could not enqueue ${name}: Redis is unavailable`,
        {},
        {
          cause: error,
        },
      );
    }
  }
}

import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, Queue } from 'bullmq';

import { AppConfig } from '@driftwatch/config';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import {
  type EvaluateScanFailurePayload,
  type EvaluateScopeConfigPayload,
  type EvaluateSnapshotPayload,
  type ExpireWaiversPayload,
  jobIds,
  JobName,
  type ManualScanPayload,
  QueueName,
  scanQueueName,
  type ScanShardPayload,
  type ScheduledScanPayload,
  type SweepScansPayload,
  vantageOfQueue,
} from './queue-names';
import { redisOptionsFromUrl } from './redis-connection';

/**
 * Everything the app enqueues goes through here: the queue is I/O behind an injectable class.
 * Scan queues are per vantage and opened on first use.
 */
@Injectable()
export class ScanQueue implements OnApplicationShutdown {
  private readonly scanQueues = new Map<string, Queue>();

  constructor(
    @InjectQueue(QueueName.Evaluate) private readonly evaluations: Queue,
    private readonly config: AppConfig,
  ) {}

  /** The scan queue of one vantage. Producers fail fast while Redis is down (the API answers 503). */
  queueFor(vantage: string): Queue {
    const name = scanQueueName(vantage);
    let queue = this.scanQueues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        prefix: this.config.redis.prefix,
        connection: { ...redisOptionsFromUrl(this.config.redis.url), enableOfflineQueue: false },
        defaultJobOptions: scanJobOptions(this.config),
      });
      queue.on('error', () => undefined); // surfaced by the awaited calls
      this.scanQueues.set(name, queue);
    }
    return queue;
  }

  async enqueueManualScan(scanId: string, vantage: string): Promise<void> {
    const payload: ManualScanPayload = { scanId };
    await this.add(this.queueFor(vantage), JobName.ManualScan, payload, jobIds.manualScan(scanId));
  }

  /** Returns false when a job for this scope and slot already exists (another replica got there first). */
  async enqueueScheduledScan(scopeId: string, vantage: string, slot: Date): Promise<boolean> {
    const payload: ScheduledScanPayload = { scopeId, slot: slot.toISOString() };
    const jobId = jobIds.scheduledScan(scopeId, slot);
    return this.add(this.queueFor(vantage), JobName.ScheduledScan, payload, jobId);
  }

  /**
   * A scan's shards, as children of its job on the same queue: the scan job resumes when all of
   * them are done. A shard that fails for good does not fail the scan job; the snapshot is then
   * assembled as incomplete. Ids are deterministic, so a retried planning step adds nothing twice.
   */
  async enqueueShards(parent: Job, scanId: string, seqs: readonly number[]): Promise<void> {
    const queue = this.queueFor(vantageOfQueue(parent.queueName));
    const jobs = seqs.map((seq) => {
      const data: ScanShardPayload = { scanId, seq };
      return {
        name: JobName.ScanShard,
        data,
        opts: {
          ...scanJobOptions(this.config),
          jobId: jobIds.shard(scanId, seq),
          parent: { id: parent.id ?? '', queue: parent.queueQualifiedName },
          ignoreDependencyOnFailure: true,
        },
      };
    });
    await queue.addBulk(jobs);
  }

  async enqueueEvaluation(scanId: string, snapshotId: string): Promise<void> {
    const payload: EvaluateSnapshotPayload = { scanId, snapshotId };
    await this.add(this.evaluations, JobName.EvaluateSnapshot, payload, jobIds.evaluation(snapshotId));
  }

  async enqueueConfigEvaluation(scopeId: string, stateId: string): Promise<void> {
    const payload: EvaluateScopeConfigPayload = { scopeId, stateId };
    await this.add(
      this.evaluations,
      JobName.EvaluateScopeConfig,
      payload,
      jobIds.configEvaluation(scopeId, stateId),
    );
  }

  /** One job per failed scan, however often its failure is recorded. */
  async enqueueFailureEvaluation(scanId: string): Promise<void> {
    const payload: EvaluateScanFailurePayload = { scanId, failure: true };
    await this.add(this.evaluations, JobName.EvaluateScanFailure, payload, jobIds.failureEvaluation(scanId));
  }

  /** One waiver sweep per slot, however many schedulers run: the job id is the slot. */
  async enqueueWaiverSweep(slot: Date): Promise<boolean> {
    const payload: ExpireWaiversPayload = { slot: slot.toISOString() };
    return this.add(this.evaluations, JobName.ExpireWaivers, payload, jobIds.waiverSweep(slot));
  }

  /** One scan sweep per slot, however many schedulers run: the job id is the slot. */
  async enqueueScanSweep(slot: Date): Promise<boolean> {
    const payload: SweepScansPayload = { slot: slot.toISOString() };
    return this.add(this.evaluations, JobName.SweepScans, payload, jobIds.scanSweep(slot));
  }

  /**
   * Where a scan's job is: its state (BullMQ's: waiting, active, delayed, failed, ...) and, once
   * it failed for good, why; `missing` when Redis has no such job (lost, or never added).
   */
  async scanJobState(scan: ScanJobRef, vantage: string): Promise<JobStatus> {
    return this.jobStatus(this.queueFor(vantage), scanJobId(scan));
  }

  /** Where the evaluation job of a stored snapshot is (see scanJobState). */
  async evaluationJobState(snapshotId: string): Promise<JobStatus> {
    return this.jobStatus(this.evaluations, jobIds.evaluation(snapshotId));
  }

  /** Removes a scan's job if it is waiting or delayed (an active job is locked and stays). */
  async removeScanJob(scan: ScanJobRef, vantage: string): Promise<void> {
    const jobId = scanJobId(scan);
    try {
      await bounded(() => this.queueFor(vantage).remove(jobId));
    } catch (error: unknown) {
      throw new DriftwatchError(
        ErrorCode.DependencyUnavailable,
        'Could not reach the scan queue',
        {},
        { cause: error },
      );
    }
  }

  /** Job counts of the evaluation queue and of the scan queues of these vantages. */
  async depth(vantages: readonly string[]): Promise<Record<string, Record<string, number>>> {
    const states = ['waiting', 'active', 'delayed', 'failed', 'waiting-children'] as const;
    const depth: Record<string, Record<string, number>> = {
      [QueueName.Evaluate]: await this.evaluations.getJobCounts(...states),
    };
    for (const vantage of new Set(vantages)) {
      depth[scanQueueName(vantage)] = await this.queueFor(vantage).getJobCounts(...states);
    }
    return depth;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.scanQueues.values()].map((q) => q.close()));
  }

  private async jobStatus(queue: Queue, jobId: string): Promise<JobStatus> {
    try {
      return await bounded(async () => {
        const job = await queue.getJob(jobId);
        if (!job) return { state: 'missing' };
        const state = await job.getState();
        return state === 'failed'
          ? { state, reason: job.failedReason, finishedAt: new Date(job.finishedOn ?? 0) }
          : { state };
      });
    } catch (error: unknown) {
      throw new DriftwatchError(
        ErrorCode.DependencyUnavailable,
        'Could not reach the job queues',
        {},
        { cause: error },
      );
    }
  }

  private async add(queue: Queue, name: JobName, data: object, jobId: string): Promise<boolean> {
    try {
      return await bounded(async () => {
        const existing = await queue.getJob(jobId);
        if (existing) return false;
        const job = await queue.add(name, data, { jobId });
        return job.id === jobId;
      });
    } catch (error: unknown) {
      throw new DriftwatchError(
        ErrorCode.DependencyUnavailable,
        `Could not enqueue ${name}: Redis is unavailable`,
        {},
        { cause: error },
      );
    }
  }
}

/** What names a scan's job: a scheduled scan's is its scope and slot, a manual scan's its id. */
export interface ScanJobRef {
  id: string;
  scopeId: string;
  slot: Date | null;
}

/** A job's state in Redis; a job that failed for good says why and when. */
export type JobStatus =
  | { state: 'failed'; reason: string; finishedAt: Date }
  | { state: string; reason?: undefined; finishedAt?: undefined };

function scanJobId(scan: ScanJobRef): string {
  return scan.slot ? jobIds.scheduledScan(scan.scopeId, scan.slot) : jobIds.manualScan(scan.id);
}

/** Retries with exponential backoff; finished jobs are kept a while for inspection. */
export function scanJobOptions(config: AppConfig) {
  return {
    attempts: config.scan.attempts,
    backoff: { type: 'exponential', delay: config.scan.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}

// A queue opened while Redis is down waits for its first connection indefinitely; producers
// answer within this time instead (the API turns it into a 503).
const PRODUCER_TIMEOUT_MS = 5000;

export async function bounded<T>(operation: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${PRODUCER_TIMEOUT_MS} ms`)),
      PRODUCER_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([operation(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import { Injectable, Logger } from '@nestjs/common';

import { ScanRepository, type UnfinishedScan } from '@driftwatch/persistence';
import { type JobStatus, ScanQueue } from '@driftwatch/queue';

import { Clock } from '@driftwatch/application/common/clock';

import { ScanExecutor } from './scan-executor.service';

/** Unfinished scans checked per sweep, oldest first; the next sweep takes the rest. */
const SWEEP_LIMIT = 1000;
/**
 * A job that failed for good is left this long to its worker's own failure handler, which marks
 * the scan failed; the sweep marks it only when that never happened (the database was away then).
 */
const FAILED_GRACE_MS = 60_000;

export interface ScanSweepOutcome {
  /** Unfinished scans whose job was gone from Redis, enqueued again. */
  requeued: number;
  /** Unfinished scans whose job had failed for good without the scan saying so, marked failed. */
  failed: number;
}

/**
 * A scan's progress lives in two stores: its row in PostgreSQL and its job in Redis. If Redis
 * loses the job (a flush, a failover without persistence, an eviction), or a worker dies between
 * committing a snapshot and enqueueing its evaluation, the scan stays queued, running or
 * evaluating for ever. The sweep compares every unfinished scan with its job: a missing job is
 * enqueued again under its deterministic id (a scan job plans again; shards already done are not
 * run twice; an evaluation job judges the stored snapshot), and a job that failed for good is
 * recorded as the scan's failure. Idempotent: several sweeps, or a sweep racing the job's own
 * enqueue, add one job.
 */
@Injectable()
export class ScanSweep {
  private readonly logger = new Logger(ScanSweep.name);

  constructor(
    private readonly scans: ScanRepository,
    private readonly queue: ScanQueue,
    private readonly executor: ScanExecutor,
    private readonly clock: Clock,
  ) {}

  async sweep(): Promise<ScanSweepOutcome> {
    const outcome: ScanSweepOutcome = { requeued: 0, failed: 0 };
    for (const scan of await this.scans.unfinished(SWEEP_LIMIT)) {
      const evaluation = scan.snapshotId !== null;
      const job = evaluation
        ? await this.queue.evaluationJobState(scan.snapshotId as string)
        : await this.queue.scanJobState(scan, scan.vantage);
      if (job.state === 'missing') {
        await this.requeue(scan);
        outcome.requeued += 1;
      } else if (this.failedUnrecorded(job)) {
        const reason = `${evaluation ? 'evaluation failed' : 'scan job failed'}: ${job.reason ?? 'no reason'}`;
        await this.executor.markFailed(scan.id, reason, { evaluation });
        outcome.failed += 1;
      }
    }
    if (outcome.requeued > 0 || outcome.failed > 0)
      this.logger.warn(outcome, 'unfinished scans whose job was lost or failed unrecorded');
    return outcome;
  }

  private failedUnrecorded(job: JobStatus): boolean {
    return (
      job.state === 'failed' &&
      this.clock.now().getTime() - (job.finishedAt?.getTime() ?? 0) >= FAILED_GRACE_MS
    );
  }

  private async requeue(scan: UnfinishedScan): Promise<void> {
    if (scan.snapshotId) await this.queue.enqueueEvaluation(scan.id, scan.snapshotId);
    else if (scan.slot) await this.queue.enqueueScheduledScan(scan.scopeId, scan.vantage, scan.slot);
    else await this.queue.enqueueManualScan(scan.id, scan.vantage);
    this.logger.warn(
      { scanId: scan.id, status: scan.status, job: scan.snapshotId ? 'evaluation' : 'scan' },
      'the job of an unfinished scan was gone; enqueued again',
    );
  }
}

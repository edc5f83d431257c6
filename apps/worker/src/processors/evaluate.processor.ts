import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';

import {
  EvaluationService,
  type EvaluationOutcome,
  ScanExecutor,
  ScanSweep,
  type ScanSweepOutcome,
  WaiverService,
} from '@driftwatch/application';
import { errorChain } from '@driftwatch/core';
import {
  type EvaluateScanFailurePayload,
  type EvaluateScopeConfigPayload,
  type EvaluateSnapshotPayload,
  type ExpireWaiversPayload,
  JobName,
  QueueName,
  type SweepScansPayload,
} from '@driftwatch/queue';

import { isFinal, toJobError } from './job-errors';

export const EVALUATE_JOB_NAMES = [
  JobName.EvaluateSnapshot,
  JobName.EvaluateScopeConfig,
  JobName.EvaluateScanFailure,
  JobName.ExpireWaivers,
  JobName.SweepScans,
] as const;

type EvaluateJobPayload =
  | EvaluateSnapshotPayload
  | EvaluateScopeConfigPayload
  | EvaluateScanFailurePayload
  | ExpireWaiversPayload
  | SweepScansPayload;

@Processor(QueueName.Evaluate)
export class EvaluateProcessor extends WorkerHost {
  private readonly logger = new Logger(EvaluateProcessor.name);

  constructor(
    private readonly evaluation: EvaluationService,
    private readonly executor: ScanExecutor,
    private readonly waivers: WaiverService,
    private readonly scanSweep: ScanSweep,
  ) {
    super();
  }

  async process(
    job: Job<EvaluateJobPayload>,
  ): Promise<EvaluationOutcome | { expired: number } | ScanSweepOutcome> {
    const name = job.name as JobName;
    if (!(EVALUATE_JOB_NAMES as readonly JobName[]).includes(name)) {
      throw toJobError(new Error(`evaluate queue has no handler for job "${job.name}"`));
    }
    try {
      // Expiry reads the clock, not the slot: a late sweep still applies everything due by now.
      if (name === JobName.ExpireWaivers) return { expired: await this.waivers.expireDue() };
      if (name === JobName.SweepScans) return await this.scanSweep.sweep();
      if (name === JobName.EvaluateScopeConfig) {
        return await this.evaluation.evaluateScopeConfig((job.data as EvaluateScopeConfigPayload).scopeId);
      }
      if (name === JobName.EvaluateScanFailure) {
        return await this.evaluation.evaluateAfterScanFailure(
          (job.data as EvaluateScanFailurePayload).scanId,
        );
      }
      const { scanId, snapshotId } = job.data as EvaluateSnapshotPayload;
      return await this.evaluation.evaluateSnapshot(scanId, snapshotId);
    } catch (error: unknown) {
      throw toJobError(error);
    }
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job<EvaluateJobPayload> | undefined, error: Error): Promise<void> {
    if (!job) return;
    if ('stateId' in job.data) {
      this.logger.warn(
        { scopeId: job.data.scopeId, attempt: job.attemptsMade, reason: errorChain(error) },
        "configuration evaluation failed; the scope's next scan judges the documents again",
      );
      return;
    }
    if ('failure' in job.data) {
      // The scan is failed already: this only told its scope's findings, and the next scan will.
      this.logger.warn(
        { scanId: job.data.scanId, attempt: job.attemptsMade, reason: errorChain(error) },
        'evaluation after a failed scan failed',
      );
      return;
    }
    if (!('scanId' in job.data)) {
      this.logger.warn({ job: job.name, reason: errorChain(error) }, 'sweep failed; the next slot retries');
      return;
    }
    const final = isFinal(error) || job.attemptsMade >= (job.opts.attempts ?? 1);
    this.logger.warn(
      { scanId: job.data.scanId, final, reason: errorChain(error) },
      'evaluation attempt failed',
    );
    if (!final) return;
    try {
      await this.executor.markFailed(job.data.scanId, `evaluation failed: ${errorChain(error)}`, {
        evaluation: true,
      });
    } catch (markError: unknown) {
      this.logger.error(
        { scanId: job.data.scanId, err: markError },
        'could not record the evaluation failure',
      );
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn({ err: error.message }, 'evaluate worker error');
  }
}

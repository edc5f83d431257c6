import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';

import { EvaluationService, type EvaluationOutcome, ScanExecutor } from '@driftwatch/application';
import { errorChain } from '@driftwatch/core';
import { type EvaluateSnapshotPayload, JobName, QueueName } from '@driftwatch/queue';

import { isFinal, toJobError } from './job-errors';

export const EVALUATE_JOB_NAMES = [JobName.EvaluateSnapshot] as const;

@Processor(QueueName.Evaluate)
export class EvaluateProcessor extends WorkerHost {
  private readonly logger = new Logger(EvaluateProcessor.name);

  constructor(
    private readonly evaluation: EvaluationService,
    private readonly executor: ScanExecutor,
  ) {
    super();
  }

  async process(job: Job<EvaluateSnapshotPayload>): Promise<EvaluationOutcome> {
    if ((job.name as JobName) !== JobName.EvaluateSnapshot) {
      throw toJobError(new Error(`evaluate queue has no handler for job "${job.name}"`));
    }
    try {
      return await this.evaluation.evaluateSnapshot(job.data.scanId, job.data.snapshotId);
    } catch (error: unknown) {
      throw toJobError(error);
    }
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job<EvaluateSnapshotPayload> | undefined, error: Error): Promise<void> {
    if (!job) return;
    const final = isFinal(error) || job.attemptsMade >= (job.opts.attempts ?? 1);
    this.logger.warn(
      { scanId: job.data.scanId, final, reason: errorChain(error) },
      'evaluation attempt failed',
    );
    if (!final) return;
    try {
      await this.executor.markFailed(job.data.scanId, `evaluation failed: ${errorChain(error)}`);
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

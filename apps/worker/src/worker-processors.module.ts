import { Module, type OnModuleInit } from '@nestjs/common';

import { ScanCancellation } from '@driftwatch/application';

import { EvaluateProcessor } from './processors/evaluate.processor';
import { assertEveryJobHandledOnce } from './processors/job-handlers';
import { ScanProcessor } from './processors/scan.processor';
import { WebhookProcessor } from './processors/webhook.processor';

/** The queue processors. Needs PlatformModule. */
@Module({ providers: [ScanProcessor, EvaluateProcessor, WebhookProcessor] })
export class WorkerProcessorsModule implements OnModuleInit {
  constructor(private readonly cancellation: ScanCancellation) {}

  async onModuleInit(): Promise<void> {
    assertEveryJobHandledOnce();
    await this.cancellation.listen();
  }
}

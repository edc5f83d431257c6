import { Module, type OnModuleInit } from '@nestjs/common';

import { EvaluateProcessor } from './processors/evaluate.processor';
import { assertEveryJobHandledOnce } from './processors/job-handlers';
import { ScanProcessor } from './processors/scan.processor';

/** The queue processors. Needs PlatformModule. */
@Module({ providers: [ScanProcessor, EvaluateProcessor] })
export class WorkerProcessorsModule implements OnModuleInit {
  onModuleInit(): void {
    assertEveryJobHandledOnce();
  }
}

import { type DynamicModule, Module } from '@nestjs/common';

import { ApiHttpModule } from '@driftwatch/api/api-http.module';
import { PlatformModule } from '@driftwatch/application';
import type { AppConfig } from '@driftwatch/config';
import { SchedulerJobsModule } from '@driftwatch/scheduler/scheduler-jobs.module';
import { WorkerProcessorsModule } from '@driftwatch/worker/worker-processors.module';

/** Single-machine mode: api, worker and scheduler in one process, on one platform. */
@Module({})
export class StandaloneModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: StandaloneModule,
      imports: [PlatformModule.forRoot(config), ApiHttpModule, WorkerProcessorsModule, SchedulerJobsModule],
    };
  }
}

import { type DynamicModule, Module } from '@nestjs/common';

import { PlatformModule } from '@driftwatch/application';
import type { AppConfig } from '@driftwatch/config';

import { SchedulerJobsModule } from './scheduler-jobs.module';

@Module({})
export class SchedulerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: SchedulerModule, imports: [PlatformModule.forRoot(config), SchedulerJobsModule] };
  }
}

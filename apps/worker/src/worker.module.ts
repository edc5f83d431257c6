import { type DynamicModule, Module } from '@nestjs/common';

import { PlatformModule } from '@driftwatch/application';
import type { AppConfig } from '@driftwatch/config';

import { WorkerProcessorsModule } from './worker-processors.module';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [PlatformModule.forRoot(config), WorkerProcessorsModule] };
  }
}

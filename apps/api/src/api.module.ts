import { type DynamicModule, Module } from '@nestjs/common';

import { PlatformModule } from '@driftwatch/application';
import type { AppConfig } from '@driftwatch/config';

import { ApiHttpModule } from './api-http.module';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ApiModule, imports: [PlatformModule.forRoot(config), ApiHttpModule] };
  }
}

import { type DynamicModule, Module } from '@nestjs/common';

import { ApiKeyService, Clock, SecretGenerator } from '@driftwatch/application';
import { type AppConfig, ConfigModule } from '@driftwatch/config';
import { PersistenceModule } from '@driftwatch/persistence';

/** What admin commands need: the database and the key service. No Redis, no nmap. */
@Module({})
export class CliAdminModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliAdminModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule],
      providers: [ApiKeyService, Clock, SecretGenerator],
    };
  }
}

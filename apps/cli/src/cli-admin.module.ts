import { type DynamicModule, Module } from '@nestjs/common';

import { ApiKeyService, AuditTrail, Clock, SecretGenerator } from '@driftwatch/application';
import { type AppConfig, ConfigModule } from '@driftwatch/config';
import { PersistenceModule } from '@driftwatch/persistence';

/** What admin commands need: the database, the key service and the audit trail it writes to. No Redis, no nmap. */
@Module({})
export class CliAdminModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliAdminModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule],
      providers: [ApiKeyService, AuditTrail, Clock, SecretGenerator],
    };
  }
}

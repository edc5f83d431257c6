import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfig } from '@driftwatch/config';

import { dataSourceOptions } from './data-source';
import {
  ApiKeyRepository,
  AuditRepository,
  BaselineRepository,
  ChangeRepository,
  ConfigDocumentRepository,
  EvaluationInputRepository,
  EvaluationRepository,
  FindingRepository,
  HostObservationRepository,
  ObservationRepository,
  PolicyContextRepository,
  PolicyVersionRepository,
  ScanRepository,
  ScanShardRepository,
  ScopeRepository,
  SnapshotRepository,
  WaiverRepository,
  WebhookDeliveryRepository,
  WebhookRepository,
} from './repositories';

const REPOSITORIES = [
  ApiKeyRepository,
  AuditRepository,
  BaselineRepository,
  ChangeRepository,
  ConfigDocumentRepository,
  EvaluationInputRepository,
  EvaluationRepository,
  FindingRepository,
  HostObservationRepository,
  ObservationRepository,
  PolicyContextRepository,
  PolicyVersionRepository,
  ScanRepository,
  ScanShardRepository,
  ScopeRepository,
  SnapshotRepository,
  WaiverRepository,
  WebhookDeliveryRepository,
  WebhookRepository,
];

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.database),
        // Boot keeps trying while PostgreSQL starts; a later outage is handled per query.
        retryAttempts: 10,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: REPOSITORIES,
  exports: REPOSITORIES,
})
export class PersistenceModule {}

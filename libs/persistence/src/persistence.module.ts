import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfig } from '@driftwatch/config';

import { dataSourceOptions } from './data-source';
import {
  ApiKeyRepository,
  BaselineRepository,
  ChangeRepository,
  ConfigDocumentRepository,
  EvaluationInputRepository,
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
} from './repositories';

const REPOSITORIES = [
  ApiKeyRepository,
  BaselineRepository,
  ChangeRepository,
  ConfigDocumentRepository,
  EvaluationInputRepository,
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

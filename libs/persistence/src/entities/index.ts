import { ApiKeyEntity } from './api-key.entity';
import { FindingEntity } from './finding.entity';
import { HostObservationEntity } from './host-observation.entity';
import { ObservationEntity } from './observation.entity';
import { ScanEntity } from './scan.entity';
import { ScanShardEntity } from './scan-shard.entity';
import { ScopeEntity } from './scope.entity';
import { SnapshotEntity } from './snapshot.entity';

export * from './api-key.entity';
export * from './finding.entity';
export * from './host-observation.entity';
export * from './observation.entity';
export * from './scan.entity';
export * from './scan-shard.entity';
export * from './scope.entity';
export * from './snapshot.entity';

export const ENTITIES = [
  ScopeEntity,
  ScanEntity,
  ScanShardEntity,
  SnapshotEntity,
  ObservationEntity,
  HostObservationEntity,
  FindingEntity,
  ApiKeyEntity,
];

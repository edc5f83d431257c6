import { ApiKeyEntity } from './api-key.entity';
import { FindingEntity } from './finding.entity';
import { ObservationEntity } from './observation.entity';
import { ScanEntity } from './scan.entity';
import { ScopeEntity } from './scope.entity';
import { SnapshotEntity } from './snapshot.entity';

export * from './api-key.entity';
export * from './finding.entity';
export * from './observation.entity';
export * from './scan.entity';
export * from './scope.entity';
export * from './snapshot.entity';

export const ENTITIES = [
  ScopeEntity,
  ScanEntity,
  SnapshotEntity,
  ObservationEntity,
  FindingEntity,
  ApiKeyEntity,
];

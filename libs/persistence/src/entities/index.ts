import { ApiKeyEntity } from './api-key.entity';
import { BaselineEntity } from './baseline.entity';
import { ConfigDocumentEntity, ConfigSchemaEntity } from './config-document.entity';
import { FindingTransitionEntity } from './finding-transition.entity';
import { WaiverEntity } from './waiver.entity';
import { FindingEntity } from './finding.entity';
import { HostObservationEntity } from './host-observation.entity';
import { ObservationEntity } from './observation.entity';
import { PolicyContextEntity } from './policy-context.entity';
import { PolicyVersionEntity } from './policy-version.entity';
import { ScanEntity } from './scan.entity';
import { ScanShardEntity } from './scan-shard.entity';
import { ScopeEntity } from './scope.entity';
import { SnapshotEntity } from './snapshot.entity';
import { WebhookDeliveryEntity, WebhookEntity } from './webhook.entity';

export * from './api-key.entity';
export * from './baseline.entity';
export * from './config-document.entity';
export * from './finding-transition.entity';
export * from './waiver.entity';
export * from './finding.entity';
export * from './host-observation.entity';
export * from './observation.entity';
export * from './policy-context.entity';
export * from './policy-version.entity';
export * from './scan.entity';
export * from './scan-shard.entity';
export * from './scope.entity';
export * from './snapshot.entity';
export * from './webhook.entity';

export const ENTITIES = [
  ScopeEntity,
  ScanEntity,
  ScanShardEntity,
  SnapshotEntity,
  ObservationEntity,
  HostObservationEntity,
  FindingEntity,
  ApiKeyEntity,
  WaiverEntity,
  FindingTransitionEntity,
  BaselineEntity,
  PolicyVersionEntity,
  PolicyContextEntity,
  ConfigDocumentEntity,
  ConfigSchemaEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
];

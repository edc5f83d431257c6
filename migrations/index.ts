import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { ScanCancellation1764000000000 } from './1764000000000-scan-cancellation';
import { ScopeNseScripts1764100000000 } from './1764100000000-scope-nse-scripts';
import { Changes1764200000000 } from './1764200000000-changes';
import { ImportedScans1764300000000 } from './1764300000000-imported-scans';
import { SnapshotIntervals1764400000000 } from './1764400000000-snapshot-intervals';
import { ScanShards1764500000000 } from './1764500000000-scan-shards';
import { FindingLifecycle1764600000000 } from './1764600000000-finding-lifecycle';
import { PolicyVersionsAndContext1764700000000 } from './1764700000000-policy-versions-and-context';
import { ConfigDocuments1764800000000 } from './1764800000000-config-documents';
import { AuditChain1764900000000 } from './1764900000000-audit-chain';
import { Webhooks1765000000000 } from './1765000000000-webhooks';
import { FindingQueryIndexes1765100000000 } from './1765100000000-finding-query-indexes';
import { ScopeHostDiscovery1765200000000 } from './1765200000000-scope-host-discovery';
import { WebhookConfigDrift1765300000000 } from './1765300000000-webhook-config-drift';
import { BaselineFingerprints1765400000000 } from './1765400000000-baseline-fingerprints';
import { WebhookSecretOverlap1765500000000 } from './1765500000000-webhook-secret-overlap';
import { FindingVersions1765600000000 } from './1765600000000-finding-versions';
import { EvaluationFindingMarks1765700000000 } from './1765700000000-evaluation-finding-marks';
import { ConfigStreamSchema1765800000000 } from './1765800000000-config-stream-schema';
import { ScanParameters1765900000000 } from './1765900000000-scan-parameters';
import { EvaluationScopeName1766000000000 } from './1766000000000-evaluation-scope-name';
import { EvaluationUnjudged1766100000000 } from './1766100000000-evaluation-unjudged';
import { ScanVantage1766200000000 } from './1766200000000-scan-vantage';

/** Every migration, in order. Listed explicitly so bundled builds need no file globbing. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  ScanCancellation1764000000000,
  ScopeNseScripts1764100000000,
  Changes1764200000000,
  ImportedScans1764300000000,
  SnapshotIntervals1764400000000,
  ScanShards1764500000000,
  FindingLifecycle1764600000000,
  PolicyVersionsAndContext1764700000000,
  ConfigDocuments1764800000000,
  AuditChain1764900000000,
  Webhooks1765000000000,
  FindingQueryIndexes1765100000000,
  ScopeHostDiscovery1765200000000,
  WebhookConfigDrift1765300000000,
  BaselineFingerprints1765400000000,
  WebhookSecretOverlap1765500000000,
  FindingVersions1765600000000,
  EvaluationFindingMarks1765700000000,
  ConfigStreamSchema1765800000000,
  ScanParameters1765900000000,
  EvaluationScopeName1766000000000,
  EvaluationUnjudged1766100000000,
  ScanVantage1766200000000,
];

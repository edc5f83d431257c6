import { Module } from '@nestjs/common';

import { ApiKeyService } from './api-keys/api-key.service';
import { AuditTrail } from './audit/audit-trail';
import { AuditService } from './audit/audit.service';
import { BaselineService } from './baselines/baseline.service';
import { BootstrapService } from './bootstrap/bootstrap.service';
import { ConfigDocumentService } from './config/config-document.service';
import { ConfigSchemaService } from './config/config-schema.service';
import { Clock } from './common/clock';
import { HostResolver } from './common/host-resolver';
import { SecretGenerator } from './common/secret-generator';
import { EvaluationService } from './evaluation/evaluation.service';
import { EvaluationRecordService } from './evaluation/evaluation-record.service';
import { ExportService } from './exports/export.service';
import { PolicyProvider } from './evaluation/policy.provider';
import { FindingService } from './findings/finding.service';
import { DryRunService } from './gate/dry-run.service';
import { GateService } from './gate/gate.service';
import { HealthService } from './health/health.service';
import { HistoryService } from './history/history.service';
import { SnapshotImportService } from './imports/snapshot-import.service';
import { MetricsService } from './metrics/metrics.service';
import { EvaluationContextLoader } from './policies/evaluation-context';
import { PolicyContextService } from './policies/policy-context.service';
import { PolicyService } from './policies/policy.service';
import { NmapScanner } from './scans/nmap-scanner';
import { ScanCancellation } from './scans/scan-cancellation';
import { ScanExecutor } from './scans/scan-executor.service';
import { ScanTargetResolver } from './scans/scan-target-resolver';
import { SnapshotWriter } from './scans/snapshot-writer.service';
import { ScanSweep } from './scans/scan-sweep.service';
import { ShardRunner } from './scans/shard-runner.service';
import { SnapshotContent } from './scans/snapshot-content.service';
import { ScanService } from './scans/scan.service';
import { ScopeChanges } from './scopes/scope-changes';
import { ScopeService } from './scopes/scope.service';
import { WaiverService } from './waivers/waiver.service';
import { WebhookDeliverer } from './webhooks/webhook-deliverer.service';
import { WebhookEvents } from './webhooks/webhook-events.service';
import { WebhookSender } from './webhooks/webhook-sender';
import { WebhookSigner } from './webhooks/webhook-signer';
import { WebhookService } from './webhooks/webhook.service';

const SERVICES = [
  ApiKeyService,
  AuditService,
  AuditTrail,
  BaselineService,
  BootstrapService,
  ConfigDocumentService,
  ConfigSchemaService,
  Clock,
  EvaluationService,
  EvaluationRecordService,
  EvaluationContextLoader,
  ExportService,
  FindingService,
  GateService,
  DryRunService,
  HealthService,
  HistoryService,
  HostResolver,
  MetricsService,
  NmapScanner,
  PolicyProvider,
  PolicyContextService,
  PolicyService,
  ScanCancellation,
  ScanExecutor,
  ScanService,
  ScanSweep,
  ScanTargetResolver,
  ScopeChanges,
  ScopeService,
  SecretGenerator,
  ShardRunner,
  SnapshotContent,
  SnapshotImportService,
  SnapshotWriter,
  WaiverService,
  WebhookDeliverer,
  WebhookEvents,
  WebhookSender,
  WebhookService,
  WebhookSigner,
];

/** The use cases, shared by every app: controllers, processors, the scheduler and the CLI call these. */
@Module({ providers: SERVICES, exports: SERVICES })
export class ApplicationModule {}

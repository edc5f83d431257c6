import { Module, type OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';

import { MetricsService } from '@driftwatch/application';
import { SEVERITIES } from '@driftwatch/core';
import { FindingRepository, ScopeRepository } from '@driftwatch/persistence';
import { ScanQueue } from '@driftwatch/queue';

import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AssetsController } from './controllers/assets.controller';
import { AuditController } from './controllers/audit.controller';
import { EvaluationsController } from './controllers/evaluations.controller';
import { EvaluateController } from './controllers/evaluate.controller';
import { GateController } from './controllers/gate.controller';
import { BaselinesController } from './controllers/baselines.controller';
import { ConfigController } from './controllers/config.controller';
import { ConfigDocumentsController } from './controllers/config-documents.controller';
import { ConfigSchemasController } from './controllers/config-schemas.controller';
import { ContextController } from './controllers/context.controller';
import { ExportsController } from './controllers/exports.controller';
import { FindingsController } from './controllers/findings.controller';
import { HealthController } from './controllers/health.controller';
import { ImportsController } from './controllers/imports.controller';
import { MetricsController } from './controllers/metrics.controller';
import { PoliciesController } from './controllers/policies.controller';
import { ScansController } from './controllers/scans.controller';
import { ScopesController } from './controllers/scopes.controller';
import { SnapshotsController } from './controllers/snapshots.controller';
import { WaiversController } from './controllers/waivers.controller';
import { WebhooksController } from './controllers/webhooks.controller';
import { HttpErrorFilter } from './errors/http-error.filter';
import { RateLimitGuard } from './http/rate-limit.guard';
import { RedisThrottlerStorage } from './http/redis-throttler.storage';

/** The HTTP transport: controllers, the global key guard and error filter. Needs PlatformModule. */
@Module({
  controllers: [
    ScopesController,
    AuditController,
    EvaluationsController,
    GateController,
    EvaluateController,
    ScansController,
    FindingsController,
    ApiKeysController,
    HealthController,
    MetricsController,
    SnapshotsController,
    AssetsController,
    ImportsController,
    WaiversController,
    WebhooksController,
    BaselinesController,
    PoliciesController,
    ContextController,
    ConfigController,
    ConfigDocumentsController,
    ConfigSchemasController,
    ExportsController,
  ],
  providers: [
    RedisThrottlerStorage,
    // Guards run in this order: the rate limit counts refused keys too, then the key guard.
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ],
})
export class ApiHttpModule implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queue: ScanQueue,
    private readonly findings: FindingRepository,
    private readonly scopes: ScopeRepository,
  ) {}

  onModuleInit(): void {
    this.metrics.registerCollector(
      'driftwatch_queue_jobs',
      'Jobs in each queue by state',
      ['queue', 'state'],
      async (g) => {
        g.reset();
        const depth = await this.queue.depth(await this.scopes.liveVantages());
        for (const [queue, counts] of Object.entries(depth)) {
          for (const [state, n] of Object.entries(counts)) g.set({ queue, state }, n);
        }
      },
    );
    this.metrics.registerCollector(
      'driftwatch_open_findings',
      'Open findings by severity',
      ['severity'],
      async (g) => {
        g.reset();
        const counts = await this.findings.countOpenBySeverity();
        for (const severity of SEVERITIES) g.set({ severity }, counts[severity] ?? 0);
      },
    );
  }
}

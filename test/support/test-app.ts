import type { Server } from 'node:http';

import type { Response } from 'superagent';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { ApiModule } from '@driftwatch/api/api.module';
import { configureHttp } from '@driftwatch/api/configure-http';
import { ApiKeyService, prepareDatabase, systemActor } from '@driftwatch/application';
import { type AppConfig, loadConfig } from '@driftwatch/config';
import type { Role } from '@driftwatch/persistence';
import { SchedulerModule } from '@driftwatch/scheduler/scheduler.module';
import { StandaloneModule } from '@driftwatch/standalone/standalone.module';

import {
  clearRedisPrefix,
  createTestDatabase,
  serviceUrls,
  type TestDatabase,
  uniqueRedisPrefix,
} from './services';

export type AppKind = 'standalone' | 'api';

export interface TestEnvironment {
  config: AppConfig;
  db: TestDatabase;
  redisPrefix: string;
  /** Drops the database and the Redis keys. */
  cleanup(): Promise<void>;
}

/** A fresh database (migrated) and Redis prefix, and the config that points at them. */
export async function createTestEnvironment(
  overrides: Record<string, string> = {},
): Promise<TestEnvironment> {
  const { redisUrl } = serviceUrls();
  const db = await createTestDatabase();
  const redisPrefix = uniqueRedisPrefix();
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    LOG_LEVEL: 'silent',
    PORT: '0',
    SCAN_BACKOFF_MS: '200',
    SCAN_ATTEMPTS: '2',
    NMAP_PATH: '/usr/bin/nmap',
    POLICY_DIR: 'policies/pci-dss-v4',
    DRIFTWATCH_RUN_DIR: `.run/test/${db.name}`,
    // Suites make hundreds of calls a minute with one key; hardening.e2e-spec.ts tests the limits.
    API_RATE_LIMIT_PER_MINUTE: '0',
    API_RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
    ...overrides,
  });
  await prepareDatabase(config.database, 1);
  return {
    config,
    db,
    redisPrefix,
    async cleanup() {
      await db.drop();
      await clearRedisPrefix(redisPrefix, config.redis.url);
    },
  };
}

/** The same app as production: StandaloneModule (api + worker + scheduler) or the API alone. */
export async function createHttpApp(
  config: AppConfig,
  kind: AppKind = 'standalone',
): Promise<INestApplication> {
  const module = kind === 'standalone' ? StandaloneModule.forRoot(config) : ApiModule.forRoot(config);
  const app = await NestFactory.create(module, { logger: false, bufferLogs: true, abortOnError: false });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  return app;
}

export async function createSchedulerContext(config: AppConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(SchedulerModule.forRoot(config), {
    logger: false,
    abortOnError: false,
  });
  await app.init();
  return app;
}

export function httpServer(app: INestApplication): Server {
  return app.getHttpServer() as Server;
}

/**
 * A supertest parser that keeps a response body as UTF-8 text (CSV, XML), where supertest would
 * leave a type it does not know unread: `.buffer(true).parse(textBody)`.
 */
export function textBody(res: Response, done: (error: Error | null, body: string) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => done(null, text));
}

/** Who the trail names for what a test sets up directly through the services. */
export const TEST_ACTOR = systemActor('test');

/** One API key per role, created through the service as an admin would. */
export async function keysForRoles(
  app: INestApplicationContext,
  roles: readonly Role[],
): Promise<Record<Role, string>> {
  const service = app.get(ApiKeyService);
  const entries = await Promise.all(
    roles.map(async (role) => [
      role,
      (await service.create({ name: `test-${role}`, role }, TEST_ACTOR)).secret,
    ]),
  );
  return Object.fromEntries(entries) as Record<Role, string>;
}

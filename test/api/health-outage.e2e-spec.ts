import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import { DataSource } from 'typeorm';

import type { HealthReport } from '@driftwatch/application';
import { ScanRepository } from '@driftwatch/persistence';
import { PrivateRedis, freePort } from '@driftwatch/test/private-redis';
import { serviceUrls, waitFor } from '@driftwatch/test/services';
import { TcpProxy } from '@driftwatch/test/tcp-proxy';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
  httpServer,
} from '@driftwatch/test/test-app';

/**
 * When PostgreSQL or Redis goes away, /health says which with 503, requests that need it fail
 * with 503 instead of hanging, the process keeps running, and everything recovers when the
 * service returns. Redis is a private redis-server this test stops and restarts; PostgreSQL
 * is reached through a proxy this test closes and reopens.
 */
describe('dependency outages', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let redis: PrivateRedis;
  let pgProxy: TcpProxy;
  let auth: { Authorization: string };
  let scopeId: string;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    const pg = new URL(serviceUrls().databaseUrl);
    pgProxy = new TcpProxy(pg.hostname, Number(pg.port));
    await pgProxy.up();
    env = await createTestEnvironment({ REDIS_URL: redis.url });
    const viaProxy = new URL(env.db.url);
    viaProxy.port = String(pgProxy.port);
    app = await createHttpApp(
      { ...env.config, database: { ...env.config.database, url: viaProxy.toString() } },
      'standalone',
    );
    auth = { Authorization: `Bearer ${(await keysForRoles(app, ['admin'])).admin}` };
    const scope = await request(httpServer(app))
      .post('/api/v1/scopes')
      .set(auth)
      .send({ name: 'outage', targets: ['127.0.0.1'], ports: [9] });
    scopeId = (scope.body as { id: string }).id;
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await redis?.stop();
    await pgProxy?.down();
  });

  const http = () => request(httpServer(app));
  const health = async () => {
    const res = await http().get('/health');
    return { status: res.status, body: res.body as HealthReport };
  };

  it('reports healthy with every dependency up', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.checks).toMatchObject({
      database: { status: 'up' },
      redis: { status: 'up' },
      nmap: { status: 'up' },
    });
  });

  it('names Redis when it is down, fails enqueueing fast with 503, and recovers', async () => {
    await redis.stop();
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.checks.redis.status).toBe('down');
    expect(body.checks.database.status).toBe('up');

    const started = Date.now();
    const scan = await http().post(`/api/v1/scopes/${scopeId}/scans`).set(auth);
    expect(scan.status).toBe(503);
    expect((scan.body as { code: string }).code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(10_000);
    // Reads that need only PostgreSQL keep working.
    expect((await http().get('/api/v1/findings').set(auth)).status).toBe(200);

    // A cancellation is a database change that holds without Redis (a job that runs later skips a
    // cancelled scan): it is made and answered, not committed and then reported as a 503.
    const queued = await app
      .get(DataSource)
      .transaction((manager) =>
        app.get(ScanRepository).createManual(scopeId, 'default', new Date(), manager),
      );
    const cancelled = await http().delete(`/api/v1/scans/${queued.id}`).set(auth);
    expect([cancelled.status, (cancelled.body as { status: string }).status]).toEqual([200, 'cancelled']);
    expect((await http().get(`/api/v1/scans/${queued.id}`).set(auth)).body).toMatchObject({
      status: 'cancelled',
    });

    await redis.start();
    await waitFor('health to recover', async () => (await health()).status === 200, { timeoutMs: 30_000 });
    const again = await waitFor('enqueueing to work again', async () => {
      const res = await http().post(`/api/v1/scopes/${scopeId}/scans`).set(auth);
      return res.status === 202 ? res : undefined;
    });
    expect((again.body as { status: string }).status).toBe('queued');
  });

  it('names PostgreSQL when it is down, answers 503 instead of crashing, and recovers', async () => {
    await pgProxy.down();
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.checks.database.status).toBe('down');
    expect(body.checks.redis.status).toBe('up');
    const res = await http().get('/api/v1/findings').set(auth);
    expect(res.status).toBe(503);
    expect((res.body as { code: string }).code).toBe('DEPENDENCY_UNAVAILABLE');

    await pgProxy.up();
    await waitFor('health to recover', async () => (await health()).status === 200, { timeoutMs: 30_000 });
    await waitFor(
      'reads to work again',
      async () => (await http().get('/api/v1/findings').set(auth)).status === 200,
    );
  });
});

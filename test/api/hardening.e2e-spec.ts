import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import { PrivateRedis, freePort } from '@driftwatch/test/private-redis';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
  httpServer,
} from '@driftwatch/test/test-app';
import { waitFor } from '@driftwatch/test/services';

const ORIGIN = 'https://console.example';

/**
 * Security headers on every answer, CORS closed unless configured, and the rate limit: counted
 * per API key (or client address without one) in Redis, so two API replicas share one limit.
 */
describe('API hardening', () => {
  let env: TestEnvironment;
  let first: INestApplication;
  let second: INestApplication;
  let closed: INestApplication;
  let keys: { admin: string; auditor: string };

  beforeAll(async () => {
    env = await createTestEnvironment({
      API_RATE_LIMIT_PER_MINUTE: '5',
      API_RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3',
      API_CORS_ORIGINS: ORIGIN,
    });
    // Two replicas on the same database and Redis.
    first = await createHttpApp(env.config, 'api');
    second = await createHttpApp(env.config, 'api');
    // A third with the defaults for CORS (none) and no rate limit.
    closed = await createHttpApp(
      {
        ...env.config,
        http: { ...env.config.http, corsOrigins: [], rateLimit: { perMinute: 0, anonymousPerMinute: 0 } },
      },
      'api',
    );
    keys = await keysForRoles(first, ['admin', 'auditor']);
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close(), closed?.close()]);
    await env?.cleanup();
  });

  const on = (app: INestApplication) => request(httpServer(app));
  const basic = (key: string) => `Basic ${Buffer.from(`any:${key}`).toString('base64')}`;

  it('sets security headers on the API, /health, /metrics and /docs', async () => {
    const auth = `Bearer ${keys.admin}`;
    const answers = [
      await on(closed).get('/health'),
      await on(closed).get('/metrics').set('Authorization', auth),
      await on(closed).get('/api/v1/scopes').set('Authorization', auth),
      await on(closed).get('/api/v1/no-such-route').set('Authorization', auth),
      await on(closed).get('/docs/').set('Authorization', basic(keys.admin)),
    ];
    for (const res of answers) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringContaining('max-age=') as unknown,
        'content-security-policy': expect.stringContaining("default-src 'self'") as unknown,
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    // No body is hashed for an ETag (a page of findings is ~100 KB); /docs' files keep theirs.
    for (const res of answers.slice(0, 4)) expect(res.headers.etag).toBeUndefined();
  });

  it('still serves Swagger UI: its page, scripts and styles load under the CSP', async () => {
    const auth = basic(keys.admin);
    const page = await on(closed).get('/docs/').set('Authorization', auth);
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui-bundle.js');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui-init.js', 'swagger-ui.css']) {
      const res = await on(closed).get(`/docs/${asset}`).set('Authorization', auth);
      expect(res.status).toBe(200);
    }
    // The page loads nothing from another origin and runs no inline script.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/);
    expect(page.text).not.toMatch(/(src|href)=['"]https?:/);
  });

  it('keeps CORS closed by default and allows exactly the configured origins', async () => {
    const preflight = (app: INestApplication, origin: string) =>
      on(app)
        .options('/api/v1/scopes')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
    expect((await preflight(closed, ORIGIN)).headers['access-control-allow-origin']).toBeUndefined();
    const get = await on(closed).get('/health').set('Origin', ORIGIN);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();

    const allowed = await preflight(first, ORIGIN);
    expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(allowed.headers['access-control-allow-headers']).toMatch(/authorization/i);
    const other = await preflight(first, 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('limits an API key across two replicas with 429, Retry-After and a problem document', async () => {
    const auth = `Bearer ${keys.auditor}`;
    const statuses: number[] = [];
    for (const app of [first, second, first, second, first]) {
      statuses.push((await on(app).get('/api/v1/scopes').set('Authorization', auth)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const limited = await on(second).get('/api/v1/scopes').set('Authorization', auth);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(limited.text)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // Still refused on the other replica; another key has its own budget.
    expect((await on(first).get('/api/v1/scopes').set('Authorization', auth)).status).toBe(429);
    const other = await on(first).get('/api/v1/scopes').set('Authorization', `Bearer ${keys.admin}`);
    expect(other.status).toBe(200);
    expect(other.headers['x-ratelimit-limit']).toBe('5');
  });

  it('limits callers without a valid key by address, with the lower limit, and never limits /health', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await on(i % 2 ? first : second)
        .get('/api/v1/findings')
        .set('Authorization', 'Bearer dw_0123456789abcdef_wrong');
      expect(res.status).toBe(401);
    }
    const limited = await on(first).get('/api/v1/findings');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) expect((await on(first).get('/health')).status).toBe(200);
  });
});

/** The counters live in Redis; while it is down requests are let through rather than refused. */
describe('rate limiting during a Redis outage', () => {
  let redis: PrivateRedis;
  let env: TestEnvironment;
  let app: INestApplication;
  let key: string;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    env = await createTestEnvironment({ REDIS_URL: redis.url, API_RATE_LIMIT_PER_MINUTE: '3' });
    app = await createHttpApp(env.config, 'api');
    key = (await keysForRoles(app, ['auditor'])).auditor;
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await redis?.stop();
  });

  it('serves reads that need only PostgreSQL, unlimited, and limits again once Redis is back', async () => {
    const read = () => request(httpServer(app)).get('/api/v1/findings').set('Authorization', `Bearer ${key}`);
    await redis.stop();
    const started = Date.now();
    for (let i = 0; i < 5; i++) expect((await read()).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);

    await redis.start();
    await waitFor('the limit to apply again', async () => (await read()).status === 429, {
      timeoutMs: 30_000,
    });
  });
});

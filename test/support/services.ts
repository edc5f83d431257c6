import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import { Client } from 'pg';

/**
 * The real PostgreSQL and Redis that scripts/services.sh started (npm test exports their URLs).
 * Each test file gets its own database and its own Redis key prefix, so files run in parallel.
 */
export function serviceUrls(): { databaseUrl: string; redisUrl: string } {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    throw new Error(
      'DATABASE_URL and REDIS_URL are not set: run the tests with `npm test`, which starts PostgreSQL and Redis ' +
        '(or `bash scripts/services.sh start && source .run/services.env` first).',
    );
  }
  return { databaseUrl, redisUrl };
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const { databaseUrl } = serviceUrls();
  const name = `dw_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        // An autovacuum worker busy in the database has no role FORCE may signal (SQLSTATE 42501,
        // "must be a member of the role whose process is being terminated"), and a session FORCE
        // did signal may take longer than the 5 s DROP waits for it to exit (55006, "being
        // accessed by other users"; seen after a suite wrote 260,000 findings): both end in
        // moments, so try again rather than fail the suite.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            return;
          } catch (error: unknown) {
            const code = (error as { code?: string }).code;
            // Up to 30 s: vacuuming a suite's 260,000 finding rows outlasted 5 s in a clean-clone run.
            if ((code !== '42501' && code !== '55006') || attempt >= 120) throw error;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}

export function uniqueRedisPrefix(): string {
  return `dwtest-${randomBytes(6).toString('hex')}`;
}

/** Remove every key under a test's prefix. */
export async function clearRedisPrefix(prefix: string, redisUrl = serviceUrls().redisUrl): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  { timeoutMs = 60_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error: unknown) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

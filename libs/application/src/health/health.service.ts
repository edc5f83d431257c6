import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';

import { AppConfig } from '@driftwatch/config';
import { redisOptionsFromUrl } from '@driftwatch/queue';

import { NmapScanner } from '@driftwatch/application/scans/nmap-scanner';

export interface DependencyHealth {
  status: 'up' | 'down';
  error?: string;
  version?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: { database: DependencyHealth; redis: DependencyHealth; nmap: DependencyHealth };
}

const CHECK_TIMEOUT_MS = 2000;

/** Probes each dependency with a short timeout, so /health answers even while one hangs. */
@Injectable()
export class HealthService implements OnApplicationShutdown {
  private readonly redis: Redis;
  private nmapVersion: { at: number; value: string | null } | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly nmap: NmapScanner,
    config: AppConfig,
  ) {
    // A dedicated client that fails fast instead of queueing commands while Redis is down.
    this.redis = new Redis({
      ...redisOptionsFromUrl(config.redis.url),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CHECK_TIMEOUT_MS,
    });
    this.redis.on('error', () => undefined); // reported through check(), not as an unhandled event
  }

  async check(): Promise<HealthReport> {
    const [database, redis, nmap] = await Promise.all([
      this.checkDatabase(),
      this.checkRedis(),
      this.checkNmap(),
    ]);
    const healthy = database.status === 'up' && redis.status === 'up' && nmap.status === 'up';
    return { status: healthy ? 'ok' : 'degraded', checks: { database, redis, nmap } };
  }

  private async checkDatabase(): Promise<DependencyHealth> {
    return probe(async () => {
      await this.dataSource.query('SELECT 1');
    });
  }

  private async checkRedis(): Promise<DependencyHealth> {
    return probe(async () => {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      await this.redis.ping();
    });
  }

  private async checkNmap(): Promise<DependencyHealth> {
    const now = Date.now();
    if (!this.nmapVersion || now - this.nmapVersion.at > 60_000) {
      this.nmapVersion = { at: now, value: await this.nmap.version() };
    }
    const version = this.nmapVersion.value;
    return version
      ? { status: 'up', version }
      : { status: 'down', error: 'nmap is not installed or not runnable' };
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}

async function probe(fn: () => Promise<void>): Promise<DependencyHealth> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { status: 'up' };
  } catch (error: unknown) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

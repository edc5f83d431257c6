import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

import { AppConfig } from '@driftwatch/config';
import { redisOptionsFromUrl } from '@driftwatch/queue';

/**
 * One fixed window per key, atomically: count the hit, start the window on the first hit, and
 * once the count passes the limit set a block key that refuses the key until it expires.
 * KEYS: hits, block. ARGV: window ms, limit, block ms. Returns hits, window ms left, blocked
 * (0/1), block ms left.
 */
const INCREMENT_SCRIPT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return {hits, math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {hits, left, 1, tonumber(ARGV[3])}
end
return {hits, left, 0, 0}
`;

const COMMAND_TIMEOUT_MS = 1000;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type RedisWithThrottle = Redis & {
  driftwatchThrottle(
    hitsKey: string,
    blockKey: string,
    windowMs: number,
    limit: number,
    blockMs: number,
  ): Promise<number[]>;
};

/**
 * Rate-limit counters in Redis, so every API replica counts against the same limit. While Redis
 * is unreachable requests are let through (logged once per outage): an outage of the queue
 * store must not take the read API down with it.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: RedisWithThrottle;
  private readonly prefix: string;
  private failing = false;
  private readonly enabled: boolean;

  constructor(config: AppConfig) {
    this.prefix = `${config.redis.prefix}:throttle:`;
    const { perMinute, anonymousPerMinute } = config.http.rateLimit;
    this.enabled = perMinute > 0 || anonymousPerMinute > 0;
    // Fails fast instead of queueing commands while Redis is down.
    const redis = new Redis({
      ...redisOptionsFromUrl(config.redis.url),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    redis.defineCommand('driftwatchThrottle', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
    redis.on('error', () => undefined); // reported through increment(), not as an unhandled event
    this.redis = redis as RedisWithThrottle;
  }

  async onModuleInit(): Promise<void> {
    // Redis may be down at boot: the client keeps reconnecting and counting resumes when it is back.
    if (this.enabled) await this.redis.connect().catch(() => undefined);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${this.prefix}${throttlerName}:${key}`;
    try {
      const [hits = 0, left = 0, blocked = 0, blockLeft = 0] = await this.redis.driftwatchThrottle(
        `${base}:hits`,
        `${base}:block`,
        Math.max(1, Math.ceil(ttl)),
        limit,
        Math.max(1, Math.ceil(blockDuration)),
      );
      if (this.failing) {
        this.failing = false;
        this.logger.log('rate limiting works again');
      }
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(left / 1000),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.ceil(blockLeft / 1000),
      };
    } catch (error: unknown) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn({ err: error }, 'rate limiting is off while Redis is unreachable');
      }
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

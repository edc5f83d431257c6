import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';

import { ApiKeyService, type Principal } from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';

import { PUBLIC_KEY } from '@driftwatch/api/auth/authorize.decorator';
import { requestPrincipal } from '@driftwatch/api/auth/request-principal';

import { RedisThrottlerStorage } from './redis-throttler.storage';

const WINDOW_MS = 60_000;

/**
 * Global guard, before the key guard: each API key may make `API_RATE_LIMIT_PER_MINUTE`
 * requests a minute, each client address without a valid key (no key, a wrong key)
 * `API_RATE_LIMIT_ANONYMOUS_PER_MINUTE`; 0 turns a limit off. One counter per client for the
 * whole API, kept in Redis (RedisThrottlerStorage) so that replicas share it. Over the limit:
 * 429 with Retry-After. /health (public) is not counted, so probes stay cheap.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly limits: AppConfig['http']['rateLimit'];
  private readonly apiKeys: ApiKeyService;

  // @Inject overrides the base class's own injection tokens (its options and storage).
  constructor(
    @Inject(AppConfig) config: AppConfig,
    @Inject(RedisThrottlerStorage) storage: RedisThrottlerStorage,
    reflector: Reflector,
    apiKeys: ApiKeyService,
  ) {
    const { rateLimit } = config.http;
    const principalOf = (context: ExecutionContext): Promise<Principal | null> =>
      requestPrincipal(context.switchToHttp().getRequest<Request>(), apiKeys);
    super(
      {
        throttlers: [
          {
            name: 'default',
            ttl: WINDOW_MS,
            limit: async (context) =>
              (await principalOf(context)) ? rateLimit.perMinute : rateLimit.anonymousPerMinute,
          },
        ],
        getTracker: async (req, context) => {
          const principal = await principalOf(context);
          return principal ? `key:${principal.keyId}` : `ip:${normalizeIp(String((req as Request).ip))}`;
        },
        generateKey: (_context, tracker) => tracker,
      },
      storage,
      reflector,
    );
    this.limits = rateLimit;
    this.apiKeys = apiKeys;
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const principal = await requestPrincipal(context.switchToHttp().getRequest<Request>(), this.apiKeys);
    return (principal ? this.limits.perMinute : this.limits.anonymousPerMinute) === 0;
  }
}

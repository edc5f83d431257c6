import type { Request } from 'express';

import type { ApiKeyService, Principal } from '@driftwatch/application';

import { presentedKey } from './bearer-token';

const resolved = new WeakMap<Request, Promise<Principal | null>>();

/**
 * The principal of the bearer key a request presents (null: none, or not a valid key). Looked
 * up once per request: the rate limiter (which keys its counters by API key) and the key guard
 * share the answer.
 */
export function requestPrincipal(request: Request, apiKeys: ApiKeyService): Promise<Principal | null> {
  let principal = resolved.get(request);
  if (!principal) {
    const key = presentedKey(request.headers.authorization);
    principal = key ? apiKeys.authenticate(key) : Promise.resolve(null);
    resolved.set(request, principal);
  }
  return principal;
}

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import type { Principal } from '@driftwatch/application';

import type { AuthenticatedRequest } from './api-key.guard';

/** The authenticated key of the request (set by ApiKeyGuard). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});

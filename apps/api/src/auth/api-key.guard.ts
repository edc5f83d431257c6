import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

import { ApiKeyService, type Principal } from '@driftwatch/application';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import type { Role } from '@driftwatch/persistence';

import { PUBLIC_KEY, ROLES_KEY } from './authorize.decorator';
import { presentedKey } from './bearer-token';
import { requestPrincipal } from './request-principal';

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** Global guard: 401 without a valid key, 403 when the key's role is not among the route's roles. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = presentedKey(request.headers.authorization);
    if (!key)
      throw new DriftwatchError(
        ErrorCode.Unauthenticated,
        'An API key is required: Authorization: Bearer <key>',
      );
    const principal = await requestPrincipal(request, this.apiKeys);
    if (!principal) throw new DriftwatchError(ErrorCode.Unauthenticated, 'The API key is invalid or revoked');
    request.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles) {
      // Default deny: a route that forgot to declare its roles is closed, and the route-table test fails.
      this.logger.error({ route: `${request.method} ${request.path}` }, 'route declares no roles');
      throw new DriftwatchError(ErrorCode.Forbidden, 'This route declares no roles and is closed');
    }
    if (!roles.includes(principal.role)) {
      throw new DriftwatchError(ErrorCode.Forbidden, `Role "${principal.role}" may not call this route`, {
        allowedRoles: roles,
      });
    }
    return true;
  }
}

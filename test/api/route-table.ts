import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';

import { ApiHttpModule } from '@driftwatch/api/api-http.module';
import { PUBLIC_KEY, ROLES_KEY } from '@driftwatch/api/auth/authorize.decorator';
import { API_PREFIX } from '@driftwatch/api/configure-http';
import type { Role } from '@driftwatch/persistence';

export interface RouteEntry {
  method: string;
  path: string;
  controller: string;
  handler: string;
  roles: Role[] | undefined;
  isPublic: boolean;
}

const UNPREFIXED = new Set(['/health', '/metrics']);

/** Every route the API serves, read from the controllers' own metadata. */
export function routeTable(): RouteEntry[] {
  const controllers = (Reflect.getMetadata('controllers', ApiHttpModule) ?? []) as (new (
    ...a: never[]
  ) => object)[];
  const routes: RouteEntry[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
      const raw = `/${[base, sub].filter((p) => p && p !== '/').join('/')}`;
      const path = UNPREFIXED.has(raw) ? raw : `/${API_PREFIX}${raw}`;
      routes.push({
        method: RequestMethod[method],
        path,
        controller: controller.name,
        handler: name,
        roles: (Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, controller)) as
          Role[] | undefined,
        isPublic: Boolean(
          Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller),
        ),
      });
    }
  }
  return routes;
}

import { SetMetadata } from '@nestjs/common';

import type { Role } from '@driftwatch/persistence';

export const ROLES_KEY = 'driftwatch:roles';
export const PUBLIC_KEY = 'driftwatch:public';

/** Every route declares the roles that may call it; a route without a declaration is refused. */
export const Authorize = (...roles: [Role, ...Role[]]) => SetMetadata(ROLES_KEY, roles);

/** Only /health is public. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Shorthands for the role sets the routes use. */
export const READERS: [Role, ...Role[]] = ['admin', 'analyst', 'auditor'];
export const MANAGERS: [Role, ...Role[]] = ['admin', 'analyst'];

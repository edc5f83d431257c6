import { ROLES } from '@driftwatch/core';

export const API_KEYS_USAGE = `driftwatch api-keys create --name NAME --role ${ROLES.join('|')} [--json]
driftwatch api-keys list [--json]
driftwatch api-keys revoke ID [--json]`;

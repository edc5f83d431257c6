import { API_KEY_NAME_RULE, ROLES } from '@driftwatch/core';

export const API_KEYS_USAGE = `driftwatch api-keys create --name NAME --role ${ROLES.join('|')} [--json]
driftwatch api-keys list [--json]
driftwatch api-keys revoke ID [--json]`;

const CONFIGURATION = `Needs the configuration from the environment (DATABASE_URL, REDIS_URL, ...; see README.md).`;

export const API_KEYS_HELP = `usage:
${API_KEYS_USAGE}

Manages the API's keys in the database directly, as the host's administrator (the audit trail
names the CLI as the actor). create prints the new key's secret once; list shows every key's id,
role, state and name; revoke ends a key at once.
${CONFIGURATION}

options:
  --name NAME             create: what the key is for, ${API_KEY_NAME_RULE}
  --role ROLE             create: ${ROLES.join(', ')}
  --json                  print JSON instead of text
  -h, --help              print this help`;

export const MIGRATE_HELP = `usage: driftwatch migrate

Applies pending database migrations (every server process also applies them at start).
${CONFIGURATION}

options:
  -h, --help              print this help`;

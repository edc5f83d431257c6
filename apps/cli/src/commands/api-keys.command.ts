import { parseArgs } from 'node:util';

import { NestFactory } from '@nestjs/core';

import { ApiKeyService, systemActor } from '@driftwatch/application';
import type { AppConfig } from '@driftwatch/config';
import { DriftwatchError, type Role, ROLES } from '@driftwatch/core';

import { CliAdminModule } from '@driftwatch/cli/cli-admin.module';
import { CliUsageError } from '@driftwatch/cli/cli-error';
import { API_KEYS_USAGE } from '@driftwatch/cli/commands/usage';

// Keys made on the host with the database's credentials: the trail names the CLI as the actor.
const CLI_ACTOR = systemActor('cli');

export async function apiKeysCommand(
  args: string[],
  config: AppConfig,
  out: (s: string) => void,
): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const isRole = (r: string | undefined): r is Role => ROLES.includes(r as Role);
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (sub === 'create') {
    if (!values.name) throw new CliUsageError('api-keys create: --name is required');
    if (!isRole(values.role))
      throw new CliUsageError(`api-keys create: --role must be one of ${ROLES.join(', ')}`);
  } else if (sub === 'revoke') {
    if (positionals.length !== 1 || !UUID.test(positionals[0] ?? '')) {
      throw new CliUsageError('api-keys revoke: give exactly one key id (a UUID)');
    }
  } else if (sub !== 'list') {
    throw new CliUsageError(`api-keys: unknown subcommand ${JSON.stringify(sub ?? '')}\n${API_KEYS_USAGE}`);
  }

  const app = await NestFactory.createApplicationContext(CliAdminModule.forRoot(config), {
    logger: ['error'],
  });
  try {
    const keys = app.get(ApiKeyService);
    if (sub === 'create') {
      const key = await keys
        .create({ name: values.name ?? '', role: values.role as Role }, CLI_ACTOR)
        .catch((error: unknown) => {
          throw asUsageError(error, values.name ?? '');
        });
      out(
        values.json
          ? JSON.stringify(key)
          : `created ${key.role} key ${key.id} (${printable(key.name)})\n${key.secret}\n(the key is shown once)`,
      );
    } else if (sub === 'revoke') {
      const key = await keys.revoke(positionals[0] ?? '', CLI_ACTOR);
      out(
        values.json
          ? JSON.stringify(key)
          : `revoked ${key.id} (${printable(key.name)}) at ${key.revokedAt ?? ''}`,
      );
    } else {
      const list = await keys.list();
      out(
        values.json
          ? JSON.stringify(list)
          : list
              .map(
                (k) =>
                  `${k.id}  ${k.role.padEnd(8)} ${k.revokedAt ? 'revoked' : 'active '}  ${printable(k.name)}`,
              )
              .join('\n') || '(no keys)',
      );
    }
  } finally {
    await app.close();
  }
}

/** The service's refusal of a name, as the CLI's usage error naming --name and its value. */
function asUsageError(error: unknown, name: string): unknown {
  const field =
    error instanceof DriftwatchError ? error.details.fields?.find((f) => f.field === 'name') : undefined;
  if (!field) return error;
  const shown =
    name.length > 120
      ? `${JSON.stringify(name.slice(0, 120))}... (${name.length} characters)`
      : JSON.stringify(name);
  return new CliUsageError(`api-keys create: --name ${printable(shown)} ${field.reason}`);
}

/**
 * A name as text safe for a terminal: control and format characters (line breaks, escape
 * sequences, bidirectional overrides) shown as \u escapes. Names are checked when a key is
 * made, but one stored before that check may hold anything.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

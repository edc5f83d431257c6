import type { DataSource } from 'typeorm';

import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import type { ApiKeyEntity, ApiKeyRepository, Role } from '@driftwatch/persistence';

import { type AuditTrail, systemActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { SecretGenerator } from '@driftwatch/application/common/secret-generator';

import { ApiKeyService } from './api-key.service';

function setup() {
  const stored: Partial<ApiKeyEntity>[] = [];
  const keys = {
    create: (fields: Partial<ApiKeyEntity>) => {
      const entity = { id: `k${stored.length}`, lastUsedAt: null, revokedAt: null, ...fields };
      stored.push(entity);
      return Promise.resolve(entity);
    },
  } as unknown as ApiKeyRepository;
  const dataSource = {
    transaction: (work: (manager: unknown) => Promise<unknown>) => work({}),
  } as unknown as DataSource;
  const audit = { record: () => Promise.resolve() } as unknown as AuditTrail;
  const service = new ApiKeyService(keys, new SecretGenerator(), new Clock(), dataSource, audit);
  return { service, stored };
}

const ACTOR = systemActor('test');

describe('ApiKeyService.create', () => {
  it('makes a key whose name follows the rule', async () => {
    const { service, stored } = setup();
    const key = await service.create({ name: 'ci-pipeline 2: deploy@prod', role: 'ci' }, ACTOR);
    expect(key).toMatchObject({ name: 'ci-pipeline 2: deploy@prod', role: 'ci' });
    expect(stored).toHaveLength(1);
  });

  // Every entry point (the CLI, bootstrap) calls here; the HTTP DTO is not the only check.
  it.each([
    ['a line break and an escape sequence', 'evil\nname\x1b[31m'],
    ['300 characters', 'a'.repeat(300)],
    ['spaces only', '   '],
    ['no characters', ''],
    ['a leading space', ' ci'],
    ['a bidirectional override', 'ci\u202eyek'],
  ])('refuses a name with %s, storing nothing', async (_case, name) => {
    const { service, stored } = setup();
    const error = await service.create({ name, role: 'ci' }, ACTOR).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriftwatchError);
    expect(error).toMatchObject({
      code: ErrorCode.ValidationFailed,
      details: {
        fields: [
          {
            field: 'name',
            reason:
              'must be 1-100 characters: letters, digits, space and _ . : @ -, starting with a letter or digit',
          },
        ],
      },
    });
    expect(stored).toEqual([]);
  });

  it('refuses a role that does not exist', async () => {
    const { service, stored } = setup();
    await expect(service.create({ name: 'x', role: 'root' as Role }, ACTOR)).rejects.toMatchObject({
      details: { fields: [{ field: 'role', reason: 'must be one of admin, analyst, auditor, ci, scanner' }] },
    });
    expect(stored).toEqual([]);
  });
});

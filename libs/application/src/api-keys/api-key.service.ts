import { timingSafeEqual } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  API_KEY_NAME,
  API_KEY_NAME_RULE,
  type AuditActor,
  DriftwatchError,
  ErrorCode,
  type FieldError,
  sha256Hex,
} from '@driftwatch/core';
import { ApiKeyRepository, type Role, ROLES } from '@driftwatch/persistence';

import { AuditTrail } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { SecretGenerator } from '@driftwatch/application/common/secret-generator';

import {
  type ApiKeyCreatedResponseDto,
  type ApiKeyResponseDto,
  type CreateApiKeyDto,
  mapApiKey,
} from './api-key.dto';

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}

// dw_<16 hex: lookup prefix>_<43 base64url: 256-bit secret>
const KEY_FORMAT = /^dw_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
// Touch last_used_at at most once a minute per key, not on every request.
const TOUCH_INTERVAL_MS = 60_000;

@Injectable()
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly secrets: SecretGenerator,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly audit: AuditTrail,
  ) {}

  /** The secret is returned here once; only its sha256 is stored (it is 256 random bits, so no KDF is needed). */
  async create(dto: CreateApiKeyDto, actor: AuditActor): Promise<ApiKeyCreatedResponseDto> {
    // The HTTP DTO checks this too, but the CLI and bootstrap call here directly.
    checkCreate(dto);
    const prefix = this.secrets.hex(8);
    const secret = this.secrets.token(32);
    const entity = await this.dataSource.transaction(async (manager) => {
      const created = await this.keys.create(
        {
          name: dto.name,
          role: dto.role,
          prefix,
          secretHash: sha256Hex(secret),
          createdAt: this.clock.now(),
        },
        manager,
      );
      // The trail names the key, never its secret or hash.
      await this.audit.record(manager, {
        actor,
        action: 'api-key.created',
        subjectType: 'api-key',
        subjectId: created.id,
        details: { name: created.name, role: created.role, prefix },
      });
      return created;
    });
    return { ...mapApiKey(entity), secret: `dw_${prefix}_${secret}` };
  }

  async list(): Promise<ApiKeyResponseDto[]> {
    return (await this.keys.list()).map(mapApiKey);
  }

  async revoke(id: string, actor: AuditActor): Promise<ApiKeyResponseDto> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      const result = await this.keys.revoke(id, this.clock.now(), manager);
      if (!result) throw new DriftwatchError(ErrorCode.NotFound, `API key ${id} not found`);
      if (result.changed) {
        await this.audit.record(manager, {
          actor,
          action: 'api-key.revoked',
          subjectType: 'api-key',
          subjectId: id,
          details: { name: result.key.name, role: result.key.role },
        });
      }
      return result.key;
    });
    return mapApiKey(revoked);
  }

  async countActiveAdmins(): Promise<number> {
    return this.keys.countActiveAdmins();
  }

  /** The principal for a presented key, or null when it is malformed, unknown, revoked or wrong. */
  async authenticate(presented: string): Promise<Principal | null> {
    const match = KEY_FORMAT.exec(presented);
    if (!match) return null;
    const [, prefix, secret] = match as unknown as [string, string, string];
    const key = await this.keys.findActiveByPrefix(prefix);
    if (!key) return null;
    const expected = Buffer.from(key.secretHash, 'hex');
    const actual = Buffer.from(sha256Hex(secret), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    const now = this.clock.now();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.keys.touch(key.id, now);
    }
    return { keyId: key.id, name: key.name, role: key.role };
  }
}

function checkCreate(dto: CreateApiKeyDto): void {
  const fields: FieldError[] = [];
  if (typeof dto.name !== 'string' || !API_KEY_NAME.test(dto.name))
    fields.push({ field: 'name', reason: `must be ${API_KEY_NAME_RULE}` });
  if (!ROLES.includes(dto.role)) fields.push({ field: 'role', reason: `must be one of ${ROLES.join(', ')}` });
  if (fields.length > 0) throw DriftwatchError.validation(fields);
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { userSchemaProblems } from '@driftwatch/config-state';
import { contentHash, DriftwatchError, ErrorCode } from '@driftwatch/core';
import { ConfigDocumentRepository } from '@driftwatch/persistence';

import { AuditTrail, keyActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '@driftwatch/application/common/pg-error';
import type { Principal } from '@driftwatch/application/api-keys/api-key.service';

import {
  type ConfigSchemaListResponseDto,
  type ConfigSchemaResponseDto,
  mapConfigSchema,
  type RegisterConfigSchemaDto,
} from './config-document.dto';

/** JSON Schemas users register for generic `json` documents. Immutable once registered. */
@Injectable()
export class ConfigSchemaService {
  constructor(
    private readonly documents: ConfigDocumentRepository,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly audit: AuditTrail,
  ) {}

  async register(dto: RegisterConfigSchemaDto, principal: Principal): Promise<ConfigSchemaResponseDto> {
    const problems = userSchemaProblems(dto.name, dto.schema);
    if (problems.length > 0) throw DriftwatchError.validation(problems);
    const entity = {
      name: dto.name,
      schema: dto.schema,
      description: dto.description ?? null,
      createdAt: this.clock.now(),
      createdBy: principal.keyId,
    };
    try {
      await this.dataSource.transaction(async (manager) => {
        await this.documents.insertSchema(entity, manager);
        await this.audit.record(manager, {
          actor: keyActor(principal),
          action: 'config-schema.registered',
          subjectType: 'config-schema',
          subjectId: entity.name,
          details: { schemaHash: contentHash(entity.schema), description: entity.description },
        });
      });
    } catch (error: unknown) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
        throw new DriftwatchError(
          ErrorCode.Conflict,
          `a schema named "${dto.name}" is already registered; schemas are immutable, register a new name`,
        );
      }
      throw error;
    }
    return mapConfigSchema(entity);
  }

  async list(): Promise<ConfigSchemaListResponseDto> {
    return { items: (await this.documents.schemas()).map(mapConfigSchema) };
  }

  async get(name: string): Promise<ConfigSchemaResponseDto> {
    const schema = await this.documents.schema(name);
    if (!schema) throw new DriftwatchError(ErrorCode.NotFound, `no schema is registered as "${name}"`);
    return mapConfigSchema(schema);
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { type AuditActor, canonicalJson, DriftwatchError, ErrorCode } from '@driftwatch/core';
import { AppConfig } from '@driftwatch/config';
import { type ScopeEntity, ScopeRepository } from '@driftwatch/persistence';

import { AuditTrail } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '@driftwatch/application/common/pg-error';

import { ScanService } from '@driftwatch/application/scans/scan.service';
import { scopeNotFound } from '@driftwatch/application/scopes/scope-not-found';

import { ScopeChanges } from './scope-changes';
import {
  type CreateScopeDto,
  mapScope,
  type ScopeListResponseDto,
  type ScopeResponseDto,
  type UpdateScopeDto,
} from './scope.dto';
import { DEFAULT_SCOPE_SCRIPTS, normaliseTargets, type ScopeInput, validateScope } from './scope-validation';

@Injectable()
export class ScopeService {
  constructor(
    private readonly scopes: ScopeRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly changes: ScopeChanges,
    private readonly dataSource: DataSource,
    private readonly audit: AuditTrail,
    private readonly scans: ScanService,
  ) {}

  async create(dto: CreateScopeDto, actor: AuditActor): Promise<ScopeResponseDto> {
    const input: ScopeInput = {
      name: dto.name,
      targets: dto.targets,
      ports: dto.ports,
      approvedPorts: dto.approvedPorts ?? [],
      schedule: dto.schedule ?? null,
      vantage: dto.vantage ?? 'default',
      scripts: dto.scripts ?? DEFAULT_SCOPE_SCRIPTS,
      hostTimeoutSeconds: dto.hostTimeoutSeconds ?? null,
      scanTimeoutSeconds: dto.scanTimeoutSeconds ?? null,
      hostDiscovery: dto.hostDiscovery ?? 'ping',
    };
    this.assertValid(input);
    const entity = await this.uniqueName(input.name, () =>
      this.dataSource.transaction(async (manager) => {
        const created = await this.scopes.create(
          {
            ...input,
            targets: normaliseTargets(input.targets),
            approvedPorts: sortedUnique(input.approvedPorts),
          },
          manager,
        );
        await this.audit.record(manager, {
          actor,
          action: 'scope.created',
          subjectType: 'scope',
          subjectId: created.id,
          scopeId: created.id,
          details: { scope: auditedScope(created) },
        });
        return created;
      }),
    );
    this.changes.notify(entity.id);
    return mapScope(entity);
  }

  async list(page: { limit?: number; offset?: number }): Promise<ScopeListResponseDto> {
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = page.offset ?? 0;
    const { items, total } = await this.scopes.listLive({ limit, offset });
    return { items: items.map(mapScope), page: { total, limit, offset } };
  }

  async get(id: string): Promise<ScopeResponseDto> {
    return mapScope(await this.findOrThrow(id));
  }

  async update(id: string, dto: UpdateScopeDto, actor: AuditActor): Promise<ScopeResponseDto> {
    // Read, merged and written under the row's lock: merged from a copy read before the
    // transaction, a concurrent delete was undone (deleted_at written back as null) and a
    // concurrent update's change lost, with a trail whose "before" contradicted the last "after".
    const saved = await this.uniqueName(dto.name, () =>
      this.dataSource.transaction(async (manager) => {
        const entity = await this.scopes.lockLive(id, manager);
        if (!entity) throw scopeNotFound(id);
        const input: ScopeInput = {
          name: dto.name ?? entity.name,
          targets: dto.targets ?? entity.targets,
          ports: dto.ports ?? entity.ports,
          approvedPorts: dto.approvedPorts ?? entity.approvedPorts,
          schedule: dto.schedule === undefined ? entity.schedule : dto.schedule,
          vantage: dto.vantage ?? entity.vantage,
          scripts: dto.scripts ?? entity.scripts,
          hostTimeoutSeconds:
            dto.hostTimeoutSeconds === undefined ? entity.hostTimeoutSeconds : dto.hostTimeoutSeconds,
          scanTimeoutSeconds:
            dto.scanTimeoutSeconds === undefined ? entity.scanTimeoutSeconds : dto.scanTimeoutSeconds,
          hostDiscovery: dto.hostDiscovery ?? entity.hostDiscovery,
        };
        this.assertValid(input);
        const before = auditedScope(entity);
        const next = {
          ...input,
          targets: normaliseTargets(input.targets),
          approvedPorts: sortedUnique(input.approvedPorts),
        };
        // A request that changes nothing (`{}`, or the values it has) is answered with the scope
        // as it is: no write, no trail entry saying it changed, no schedule resync.
        if (canonicalJson(auditedScope({ ...entity, ...next })) === canonicalJson(before)) return undefined;
        Object.assign(entity, next);
        const updated = await this.scopes.update(entity, manager);
        await this.audit.record(manager, {
          actor,
          action: 'scope.updated',
          subjectType: 'scope',
          subjectId: id,
          scopeId: id,
          details: { before, after: auditedScope(updated) },
        });
        return updated;
      }),
    );
    if (!saved) return this.get(id);
    this.changes.notify(id);
    return mapScope(saved);
  }

  /** Soft delete: the scope stops being scanned, its history stays for the audit trail. */
  async remove(id: string, actor: AuditActor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.scopes.softDelete(id, this.clock.now(), manager))) throw scopeNotFound(id);
      await this.audit.record(manager, {
        actor,
        action: 'scope.deleted',
        subjectType: 'scope',
        subjectId: id,
        scopeId: id,
      });
    });
    this.changes.notify(id);
    // After the commit: a scan that starts meanwhile finds the scope gone and ends by itself.
    await this.scans.cancelAllOfScope(id, actor);
  }

  private assertValid(input: ScopeInput): void {
    const errors = validateScope(input, this.config.scan.allowedNetworks);
    if (errors.length > 0) throw DriftwatchError.validation(errors);
  }

  private async findOrThrow(id: string) {
    const entity = await this.scopes.findLive(id);
    if (!entity) throw scopeNotFound(id);
    return entity;
  }

  private async uniqueName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error: unknown) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
        throw new DriftwatchError(ErrorCode.Conflict, `A scope named "${name ?? ''}" already exists`, {
          fields: [{ field: 'name', reason: 'is already used by another scope' }],
        });
      }
      throw error;
    }
  }
}

/** What the trail keeps of a scope: its settings, as they were at the time. */
function auditedScope(scope: ScopeEntity): Record<string, unknown> {
  return {
    name: scope.name,
    targets: scope.targets,
    ports: scope.ports,
    approvedPorts: scope.approvedPorts,
    schedule: scope.schedule,
    vantage: scope.vantage,
    scripts: scope.scripts,
    hostTimeoutSeconds: scope.hostTimeoutSeconds,
    scanTimeoutSeconds: scope.scanTimeoutSeconds,
    hostDiscovery: scope.hostDiscovery,
  };
}

function sortedUnique(ports: readonly number[]): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}

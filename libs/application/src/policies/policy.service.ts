import { basename } from 'node:path';

import { Injectable, Logger } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import { PolicyVersionRepository, type PolicyVersionEntity } from '@driftwatch/persistence';

import type { Principal } from '@driftwatch/application/api-keys/api-key.service';
import { AuditTrail, keyActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { PolicyProvider } from '@driftwatch/application/evaluation/policy.provider';

import {
  mapPolicy,
  mapPolicyVersion,
  mapPolicyVersionSummary,
  type PolicyResponseDto,
  type PolicyVersionDto,
  type PolicyVersionSummaryDto,
  type PutPolicyDto,
} from './policy.dto';
import { checkPolicyFiles, checkPolicyPack } from './policy-pack-check';

/**
 * Policy changes through the API: a new pack is checked completely (parse, compile, fixtures)
 * before anything is stored, then stored and activated in one transaction; a refused pack
 * leaves the active policy in force. Stored versions can be activated again (roll back/forward).
 */
@Injectable()
export class PolicyService {
  private readonly logger = new Logger(PolicyService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly versions: PolicyVersionRepository,
    private readonly provider: PolicyProvider,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
  ) {}

  async active(): Promise<PolicyResponseDto> {
    let stored = await this.versions.findActive();
    if (!stored) {
      await this.provider.ensureActive();
      stored = await this.versions.findActive();
    }
    if (!stored) throw new DriftwatchError(ErrorCode.NotFound, 'no policy version is active');
    return mapPolicy(stored, await this.provider.compiled(stored.version));
  }

  async listVersions(): Promise<PolicyVersionSummaryDto[]> {
    return (await this.versions.list()).map(mapPolicyVersionSummary);
  }

  async getVersion(version: string): Promise<PolicyVersionDto> {
    return mapPolicyVersion(await this.find(version));
  }

  /** Checks, stores and activates a pack; the same content again is the same version, activated again. */
  async replace(dto: PutPolicyDto, principal: Principal): Promise<PolicyResponseDto> {
    const files = dto.files.map((f) => ({ path: f.path, text: f.text }));
    checkPolicyFiles(files);
    // A version is its rules' hash and is stored once, with the name it was first stored under:
    // compiled under another name, the engine in memory named the policy otherwise than every
    // stored record (evaluations recorded a name no version has). Same rules keep their name.
    const requested =
      dto.name ?? (await this.versions.findActive())?.name ?? basename(this.config.policy.dir);
    let policy = checkPolicyPack(requested, files);
    const existing = await this.versions.findByVersion(policy.version);
    if (existing && existing.name !== requested) {
      if (dto.name !== undefined) {
        throw new DriftwatchError(
          ErrorCode.Conflict,
          `these rules are already stored as version ${policy.version}, named "${existing.name}"`,
          {
            fields: [
              { field: 'name', reason: `differs from "${existing.name}", the name of the same rules` },
            ],
          },
        );
      }
      policy = checkPolicyPack(existing.name, files);
    }
    const name = policy.name;
    const at = this.clock.now();
    const { stored, activated } = await this.versions.withActivationLock(async (manager) => {
      const outcome = {
        stored: await this.versions.insertIfAbsent(
          { version: policy.version, name, files, ruleCount: policy.ruleCount },
          principal.keyId,
          at,
          manager,
        ),
        activated: await this.versions.activate(policy.version, at, manager),
      };
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: 'policy.replaced',
        subjectType: 'policy-version',
        subjectId: policy.version,
        details: { name, ruleCount: policy.ruleCount, ...outcome },
      });
      return outcome;
    });
    this.logger.log(
      { version: policy.version, rules: policy.ruleCount, stored, activated, by: principal.name },
      'policy replaced through the API',
    );
    this.provider.remember(policy);
    return mapPolicy(await this.find(policy.version), policy);
  }

  /**
   * Makes a stored version active again. Its files are checked again first (compile and
   * fixtures), so a version this engine can no longer run is refused, not activated.
   */
  async activate(version: string, principal: Principal): Promise<PolicyResponseDto> {
    const stored = await this.find(version);
    const policy = checkPolicyPack(stored.name, stored.files);
    if (policy.version !== version) {
      throw new DriftwatchError(
        ErrorCode.Conflict,
        `policy version ${version} now compiles to ${policy.version}; send its files again with PUT /policies`,
      );
    }
    const activated = await this.versions.withActivationLock(async (manager) => {
      const changed = await this.versions.activate(version, this.clock.now(), manager);
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: 'policy.activated',
        subjectType: 'policy-version',
        subjectId: version,
        details: { name: stored.name, activated: changed },
      });
      return changed;
    });
    this.logger.log({ version, activated, by: principal.name }, 'policy version activated through the API');
    this.provider.remember(policy);
    return mapPolicy(await this.find(version), policy);
  }

  private async find(version: string): Promise<PolicyVersionEntity> {
    const stored = await this.versions.findByVersion(version);
    if (!stored) throw new DriftwatchError(ErrorCode.NotFound, `policy version ${version} not found`);
    return stored;
  }
}

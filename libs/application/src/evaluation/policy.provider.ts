import { basename } from 'node:path';

import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';
import { DriftwatchError, ErrorCode, errorChain } from '@driftwatch/core';
import { PolicyVersionRepository } from '@driftwatch/persistence';
import {
  type CompiledPolicy,
  compilePolicy,
  parsePolicyPack,
  type PolicyFile,
  readRuleFiles,
} from '@driftwatch/policy-engine';

import { AuditTrail, systemActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { checkPolicyPack } from '@driftwatch/application/policies/policy-pack-check';

/** Who stored the pack read from the policy folder at boot. */
export const BOOT_AUTHOR = 'boot';

/**
 * The active policy. Policy versions live in the database, exactly one active; operators change
 * it through the API. At boot the pack in the policy folder becomes the first version when none
 * is active yet (replicas agree under an advisory lock); afterwards a different pack on disk is
 * only reported. Each process compiles a version once and, before every evaluation, checks
 * which version is active (one indexed query), so every replica follows a change.
 */
@Injectable()
export class PolicyProvider implements OnModuleInit {
  private readonly logger = new Logger(PolicyProvider.name);
  private cached?: { version: string; policy: Promise<CompiledPolicy> };

  constructor(
    private readonly config: AppConfig,
    private readonly versions: PolicyVersionRepository,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ensureActive();
  }

  /** The active policy, compiled once per version. */
  async active(): Promise<CompiledPolicy> {
    const version = (await this.versions.activeVersion()) ?? (await this.ensureActive());
    return this.compiled(version);
  }

  /** A stored version, compiled (cached while it is the latest one asked for). */
  compiled(version: string): Promise<CompiledPolicy> {
    if (this.cached?.version !== version) {
      const policy = this.load(version);
      const entry = { version, policy };
      this.cached = entry;
      // A failed load is retried by the next caller rather than remembered.
      policy.catch(() => {
        if (this.cached === entry) this.cached = undefined;
      });
    }
    return this.cached.policy;
  }

  /** Remembers a policy the caller has just compiled from the stored files (after a PUT). */
  remember(policy: CompiledPolicy): void {
    if (this.cached?.version !== policy.version)
      this.cached = { version: policy.version, policy: Promise.resolve(policy) };
  }

  private async load(version: string): Promise<CompiledPolicy> {
    const stored = await this.versions.findByVersion(version);
    if (!stored) throw new DriftwatchError(ErrorCode.NotFound, `policy version ${version} is not stored`);
    const policy = compilePolicy(parsePolicyPack(stored.name, stored.files));
    if (policy.version !== version) {
      // Only an engine change that alters the canonical form could do this; the rules are the same.
      this.logger.warn(
        { stored: version, compiled: policy.version },
        'stored policy compiles to another version',
      );
    }
    this.logger.log({ pack: policy.name, version, rules: policy.ruleCount }, 'policy compiled');
    return policy;
  }

  /**
   * Boot: when no version is active, the policy folder's pack (checked like a PUT: it must
   * compile and pass its fixtures) is stored and activated. Returns the active version.
   */
  async ensureActive(): Promise<string> {
    const dir = this.config.policy.dir;
    let disk: { files: PolicyFile[]; policy: CompiledPolicy } | undefined;
    let diskError: unknown;
    try {
      // The same reader and file limits as `driftwatch policy lint` and PUT /api/v1/policies.
      const files = readRuleFiles(dir);
      disk = { files, policy: checkPolicyPack(basename(dir), files) };
    } catch (error: unknown) {
      diskError = error;
    }
    const outcome = await this.versions.withActivationLock(async (manager) => {
      const active = await this.versions.activeVersion(manager);
      if (active) return { version: active, stored: false };
      if (!disk) {
        throw new DriftwatchError(
          ErrorCode.PolicyInvalid,
          `no policy version is active and the policy folder ${dir} cannot be used: ${errorChain(diskError)}`,
          {},
          { cause: diskError },
        );
      }
      const { policy, files } = disk;
      const at = this.clock.now();
      await this.versions.insertIfAbsent(
        { version: policy.version, name: policy.name, files, ruleCount: policy.ruleCount },
        BOOT_AUTHOR,
        at,
        manager,
      );
      await this.versions.activate(policy.version, at, manager);
      await this.audit.record(manager, {
        actor: systemActor('boot'),
        action: 'policy.activated',
        subjectType: 'policy-version',
        subjectId: policy.version,
        details: { name: policy.name, ruleCount: policy.ruleCount, source: 'policy folder' },
      });
      return { version: policy.version, stored: true };
    });

    if (disk && disk.policy.version === outcome.version) this.remember(disk.policy);
    if (outcome.stored) {
      this.logger.log(
        { dir, version: outcome.version },
        'policy folder stored and activated as the first policy version',
      );
    } else if (!disk) {
      this.logger.warn(
        { dir, active: outcome.version, error: errorChain(diskError) },
        'the policy folder cannot be used; the active policy version stays in force',
      );
    } else if (disk.policy.version !== outcome.version) {
      this.logger.warn(
        { dir, disk: disk.policy.version, active: outcome.version },
        'the policy folder differs from the active policy version, which stays in force; change the policy with PUT /api/v1/policies',
      );
    }
    return outcome.version;
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { LineCounter, parseDocument } from 'yaml';

import { contentHash, DriftwatchError, ErrorCode, errorChain } from '@driftwatch/core';
import { PolicyContextRepository } from '@driftwatch/persistence';
import {
  type DeclaredAsset,
  EMPTY_CONTEXT,
  parsePolicyContext,
  type PolicyContext,
} from '@driftwatch/policy-engine';

import type { Principal } from '@driftwatch/application/api-keys/api-key.service';
import { AuditTrail, keyActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';

import { addressKey } from './address-key';
import {
  mapContextDocument,
  mapContextVersion,
  mapStoredContextVersion,
  type PolicyContextDocumentDto,
  type PolicyContextVersionDto,
  type PolicyContextVersionListDto,
} from './policy-context.dto';

/** The largest context document the API accepts (JSON or YAML). */
export const CONTEXT_MAX_BYTES = 64 * 1024 * 1024;
/** YAML media types PUT /context accepts besides application/json. */
export const CONTEXT_YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/**
 * The policy context: zones, roles, declared inventory, approved flows and approved changes.
 * Each PUT stores a whole new version (the history is kept); evaluations use the newest.
 */
@Injectable()
export class PolicyContextService {
  private readonly logger = new Logger(PolicyContextService.name);
  private cached?: { version: string; context: PolicyContext };

  constructor(
    private readonly contexts: PolicyContextRepository,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
  ) {}

  /** The current document; every list empty when no context was ever stored. */
  async get(): Promise<PolicyContextDocumentDto> {
    return mapContextDocument((await this.contexts.current())?.document);
  }

  async versions(page: { limit?: number; offset?: number }): Promise<PolicyContextVersionListDto> {
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = page.offset ?? 0;
    const { items, total } = await this.contexts.list({ limit, offset });
    return { items: items.map(mapContextVersion), page: { total, limit, offset } };
  }

  /**
   * Validates a whole document (a parsed JSON body, or YAML text) and stores it as the new
   * current version. Declared assets without `declaredAt` keep the one they had in the version
   * before, or get the time they were first declared: a host never seen counts from then.
   */
  async replace(body: unknown, principal: Principal): Promise<PolicyContextVersionDto> {
    const value = typeof body === 'string' ? parseYaml(body) : body;
    if (value !== null && typeof value === 'object' && 'scans' in value) {
      throw DriftwatchError.validation([
        {
          field: 'context.scans',
          reason: "is filled in from the scope's scans at evaluation; do not send it",
        },
      ]);
    }
    return this.store(() => value, principal, 'context.replaced');
  }

  /** One section of the current context (zones, roles, inventory, flows or approved changes). */
  async getSection(section: string): Promise<unknown[]> {
    const key = sectionKey(section);
    return (await this.get())[key];
  }

  /**
   * Replaces one section and keeps the others: a new version, validated whole (a flow must
   * still name declared zones, an asset a declared role).
   */
  async replaceSection(
    section: string,
    body: unknown,
    principal: Principal,
  ): Promise<PolicyContextVersionDto> {
    const key = sectionKey(section);
    const items = typeof body === 'string' ? parseYaml(body) : body;
    if (!Array.isArray(items))
      throw DriftwatchError.validation([{ field: 'body', reason: `must be the list of ${section}` }]);
    return this.store(
      (previous) => ({ ...previous, [key]: items }),
      principal,
      `context.${section}.replaced`,
    );
  }

  /** Adds one approved change (e.g. from a change-management hook) as a new version. */
  async addApprovedChange(change: unknown, principal: Principal): Promise<PolicyContextVersionDto> {
    if (change === null || typeof change !== 'object' || Array.isArray(change))
      throw DriftwatchError.validation([{ field: 'body', reason: 'must be one approved change object' }]);
    return this.store(
      (previous) => ({ ...previous, approvedChanges: [...previous.approvedChanges, change] }),
      principal,
      'context.approved-change.added',
    );
  }

  /**
   * Builds the new document from the current one under the write lock (so concurrent section
   * updates never lose each other), validates it whole and stores it as the new version.
   */
  private async store(
    build: (previous: PolicyContextDocumentDto) => unknown,
    principal: Principal,
    action: string,
  ): Promise<PolicyContextVersionDto> {
    const at = this.clock.now();
    const stored = await this.contexts.withWriteLock(async (manager) => {
      const previous = mapContextDocument((await this.contexts.current(manager))?.document);
      const context = parsePolicyContext(build(previous));
      const document = {
        zones: context.zones,
        roles: context.roles,
        inventory: withDeclaredAt(context.inventory, previous.inventory, at),
        flows: context.flows,
        approvedChanges: context.approvedChanges,
        timeSources: context.timeSources,
      };
      const inserted = await this.contexts.insert(document, principal.keyId, at, manager);
      const { version, counts } = mapStoredContextVersion(inserted);
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action,
        subjectType: 'policy-context',
        subjectId: version,
        details: { version, counts, documentHash: contentHash(document) },
      });
      return inserted;
    });
    const version = mapStoredContextVersion(stored);
    this.logger.log(
      { version: version.version, counts: version.counts, by: principal.name },
      'policy context stored',
    );
    return version;
  }

  /** The current context for an evaluation, read again only when a newer version was stored. */
  async current(): Promise<{ version: string | null; context: PolicyContext }> {
    const id = await this.contexts.currentId();
    if (id === null) return { version: null, context: EMPTY_CONTEXT };
    if (this.cached?.version !== id) {
      const stored = await this.contexts.current();
      if (!stored) return { version: null, context: EMPTY_CONTEXT };
      // Stored documents were validated when they were stored.
      this.cached = {
        version: stored.id,
        context: { ...EMPTY_CONTEXT, ...mapContextDocument(stored.document) },
      };
    }
    return this.cached;
  }
}

/** URL names of the context's sections. */
export const CONTEXT_SECTIONS = {
  zones: 'zones',
  roles: 'roles',
  inventory: 'inventory',
  flows: 'flows',
  'approved-changes': 'approvedChanges',
  'time-sources': 'timeSources',
} as const;

function sectionKey(section: string): (typeof CONTEXT_SECTIONS)[keyof typeof CONTEXT_SECTIONS] {
  const key = (CONTEXT_SECTIONS as Record<string, (typeof CONTEXT_SECTIONS)[keyof typeof CONTEXT_SECTIONS]>)[
    section
  ];
  if (!key)
    throw new DriftwatchError(
      ErrorCode.NotFound,
      `no context section "${section}"; sections: ${Object.keys(CONTEXT_SECTIONS).join(', ')}`,
    );
  return key;
}

function parseYaml(text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw DriftwatchError.validation([
      { field: 'body', reason: `YAML syntax error at line ${line}, column ${col}: ${error.message}` },
    ]);
  }
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (cause: unknown) {
    throw new DriftwatchError(
      ErrorCode.ValidationFailed,
      `Invalid YAML: ${errorChain(cause)}`,
      { fields: [{ field: 'body', reason: errorChain(cause) }] },
      { cause },
    );
  }
}

function withDeclaredAt(
  inventory: readonly DeclaredAsset[],
  previous: readonly DeclaredAsset[],
  at: Date,
): DeclaredAsset[] {
  const before = new Map(previous.map((a) => [addressKey(a.address), a.declaredAt]));
  return inventory.map((asset) =>
    asset.declaredAt
      ? asset
      : { ...asset, declaredAt: before.get(addressKey(asset.address)) ?? at.toISOString() },
  );
}

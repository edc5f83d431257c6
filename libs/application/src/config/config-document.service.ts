import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import {
  builtInHandler,
  type ConfigKind,
  containsPanLike,
  type FirewallFacts,
  firewallExposure,
  type ConfigKindHandler,
  jsonDocumentHandler,
  lineDiff,
  parseDocument,
} from '@driftwatch/config-state';
import { canonicalJson, DriftwatchError, ErrorCode, type FieldError, sha256Hex } from '@driftwatch/core';
import { ConfigDocumentRepository, type ConfigStreamKey, ScopeRepository } from '@driftwatch/persistence';
import { canonicalAddress } from '@driftwatch/policy-engine';
import { ScanQueue } from '@driftwatch/queue';

import { AuditTrail, keyActor } from '@driftwatch/application/audit/audit-trail';
import { Clock, FUTURE_SKEW_MS } from '@driftwatch/application/common/clock';
import { RecentResults } from '@driftwatch/application/common/recent-results';
import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';
import type { Principal } from '@driftwatch/application/api-keys/api-key.service';
import { scopeNotFound } from '@driftwatch/application/scopes/scope-not-found';
import { WebhookEvents } from '@driftwatch/application/webhooks/webhook-events.service';

import {
  type ConfigChangeListResponseDto,
  type ConfigChangesQueryDto,
  type ConfigDocumentResponseDto,
  type ConfigStateListResponseDto,
  type ConfigStateQueryDto,
  type ConfigSubmittedDto,
  mapConfigChange,
  mapConfigDocument,
  mapConfigState,
  type SubmitConfigDto,
  type FirewallExposureResponseDto,
} from './config-document.dto';

// Kinds sent as JSON text, often on one line: the line diff compares them pretty-printed.
const JSON_KINDS: ReadonlySet<ConfigKind> = new Set(['nft-ruleset', 'pan-scan', 'json']);

/**
 * Exposure entries kept across documents, ~200 bytes each, so ~20 MB. Generated rulesets of 100 to
 * 10,000 rules gave 100 to 1,000 entries (the analysis caps itself, ADR 0012).
 */
const EXPOSURE_ENTRIES_KEPT = 100_000;

/**
 * Configuration documents enter here: parsed by their kind's parser (refused whole on any
 * problem), then, in one transaction per asset's stream, either confirmed (same content as the
 * document in force) or stored as a new immutable document with an interval and its drift — the
 * semantic changes and a line diff against the document it replaces.
 */
@Injectable()
export class ConfigDocumentService {
  private readonly logger = new Logger(ConfigDocumentService.name);
  /**
   * Exposures computed lately, by document (immutable once stored). The analysis runs on the
   * request's thread, 0.5 to 2 s for generated rulesets of 100 to 10,000 rules: computed once per
   * document, a reader polling it does not hold up every other request each time.
   */
  private readonly exposures = new RecentResults<string, FirewallExposureResponseDto['hooks']>(
    EXPOSURE_ENTRIES_KEPT,
    ({ input, forward }) =>
      input.allowed.length + input.uncertain.length + forward.allowed.length + forward.uncertain.length,
  );

  constructor(
    private readonly scopes: ScopeRepository,
    private readonly documents: ConfigDocumentRepository,
    private readonly queue: ScanQueue,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly webhookEvents: WebhookEvents,
  ) {}

  async submit(
    scopeId: string,
    submitted: SubmitConfigDto,
    principal: Principal,
  ): Promise<ConfigSubmittedDto> {
    const scope = await this.scopes.findLive(scopeId);
    if (!scope) throw scopeNotFound(scopeId);
    const now = this.clock.now();
    const collectedAt = new Date(submitted.collectedAt);
    const problems: FieldError[] = [];
    // An asset id is stored, logged and shown in findings: it must never carry a card number.
    if (containsPanLike(submitted.asset))
      problems.push({ field: 'asset', reason: 'looks like a card number (value not shown)' });
    if (collectedAt.getTime() > now.getTime() + FUTURE_SKEW_MS)
      problems.push({ field: 'collectedAt', reason: 'is in the future' });
    if (submitted.kind === 'json' && submitted.schema === undefined)
      problems.push({
        field: 'schema',
        reason: 'is required for kind "json": the registered schema to validate against',
      });
    if (submitted.kind !== 'json' && submitted.schema !== undefined)
      problems.push({ field: 'schema', reason: `applies to kind "json" only, not "${submitted.kind}"` });
    if (problems.length > 0) throw DriftwatchError.validation(problems);

    const handler = await this.handlerFor(submitted.kind, submitted.schema);
    const facts = parseDocument(handler, submitted.content);
    // A card data report is stored as the JSON it parsed to, which was checked for card numbers:
    // its text can carry what parsing drops (a duplicate key's first value, digits deep in a
    // number literal), and a full card number must never be stored or served.
    const dto: SubmitConfigDto =
      submitted.kind === 'pan-scan' ? { ...submitted, content: JSON.stringify(facts) } : submitted;
    const key: ConfigStreamKey = {
      scopeId: scope.id,
      asset: canonicalAddress(dto.asset) ?? dto.asset,
      kind: dto.kind,
      tag: dto.tag ?? '',
      schema: dto.kind === 'json' ? (dto.schema ?? '') : '',
    };
    const contentHash = sha256Hex(dto.content);

    const result = await this.documents.inStream(key, async (manager) => {
      const stored = await this.storeInStream(
        key,
        dto,
        facts,
        handler,
        contentHash,
        collectedAt,
        now,
        principal,
        manager,
      );
      // Before the trail's entry, which must be the last write: it takes the chain lock.
      const deliveries = stored.change
        ? await this.webhookEvents.recordConfigDrift(scope.id, stored.change, manager)
        : [];
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: `config-document.${stored.outcome}`,
        subjectType: 'config-document',
        subjectId: stored.document.id,
        scopeId: scope.id,
        details: {
          asset: key.asset,
          kind: key.kind,
          tag: key.tag,
          ...(key.schema !== '' ? { schema: key.schema } : {}),
          contentHash,
          collectedAt: collectedAt.toISOString(),
          stateId: stored.stateId,
          changeId: stored.change?.id ?? null,
        },
      });
      return { ...stored, deliveries };
    });
    await this.webhookEvents.dispatch(result.deliveries);
    this.logger.log(
      { scopeId: scope.id, asset: key.asset, kind: key.kind, tag: key.tag, outcome: result.outcome },
      'config document received',
    );
    // Also for an unchanged resubmission: the job id is the interval's, so a change whose
    // evaluation could not be queued (Redis was down) is queued by sending the document again.
    await this.queue.enqueueConfigEvaluation(scope.id, result.stateId);
    return {
      outcome: result.outcome,
      document: mapConfigDocument(result.document),
      change: result.change ? mapConfigChange(result.change) : null,
    };
  }

  async states(scopeId: string, query: ConfigStateQueryDto): Promise<ConfigStateListResponseDto> {
    await this.liveScope(scopeId);
    const rows = await this.documents.states(scopeId, {
      ...(query.asset !== undefined ? { asset: canonicalAddress(query.asset) ?? query.asset } : {}),
      ...(query.kind !== undefined ? { kind: query.kind } : {}),
      ...(query.at !== undefined ? { at: new Date(query.at) } : {}),
    });
    return { items: rows.map(mapConfigState) };
  }

  async changes(scopeId: string, query: ConfigChangesQueryDto): Promise<ConfigChangeListResponseDto> {
    await this.liveScope(scopeId);
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total } = await this.documents.changes(
      scopeId,
      {
        ...(query.asset !== undefined ? { asset: canonicalAddress(query.asset) ?? query.asset } : {}),
        ...(query.kind !== undefined ? { kind: query.kind } : {}),
      },
      { limit, offset },
    );
    return { items: items.map(mapConfigChange), page: { total, limit, offset } };
  }

  async document(id: string): Promise<ConfigDocumentResponseDto> {
    const document = await this.documents.document(id);
    if (!document) throw new DriftwatchError(ErrorCode.NotFound, `config document ${id} not found`);
    return mapConfigDocument(document, true);
  }

  /**
   * The effective exposure a stored firewall ruleset gives: per hook, its default action and
   * which source networks may open which ports. Computed from the stored facts on first request.
   */
  async exposure(id: string): Promise<FirewallExposureResponseDto> {
    const document = await this.documents.document(id);
    if (!document) throw new DriftwatchError(ErrorCode.NotFound, `config document ${id} not found`);
    if (document.kind !== 'iptables-save' && document.kind !== 'nft-ruleset') {
      throw new DriftwatchError(
        ErrorCode.NotFound,
        `config document ${id} is a ${document.kind} document, not a firewall ruleset`,
      );
    }
    const facts = document.facts as unknown as FirewallFacts;
    const hooks = this.exposures.get(`${document.id} ${document.contentHash}`, () => ({
      input: firewallExposure(facts, 'input'),
      forward: firewallExposure(facts, 'forward'),
    }));
    return { documentId: document.id, asset: document.asset, kind: document.kind, hooks };
  }

  /** One submission inside its stream's lock: confirm, or store and open a new interval (with its change). */
  private async storeInStream(
    key: ConfigStreamKey,
    dto: SubmitConfigDto,
    facts: Record<string, unknown>,
    handler: ConfigKindHandler<object>,
    contentHash: string,
    collectedAt: Date,
    now: Date,
    principal: Principal,
    manager: EntityManager,
  ) {
    const current = await this.documents.current(key, manager);
    if (current && sameConfiguration(handler, current.document, contentHash, facts)) {
      await this.documents.confirm(current.stateId, collectedAt, manager);
      return {
        outcome: 'unchanged' as const,
        stateId: current.stateId,
        document: current.document,
        change: null,
      };
    }
    // Not after the latest observation of the document in force (its last confirmation, which
    // can be later than when it came into force): that document was seen after this one was
    // collected, so this one cannot be the current state.
    if (current && collectedAt <= current.lastConfirmedAt) {
      throw new DriftwatchError(
        ErrorCode.Conflict,
        `a different ${dto.kind} document of ${key.asset}, last seen at ${current.lastConfirmedAt.toISOString()}, ` +
          'is in force: send documents in the order they were collected',
        { fields: [{ field: 'collectedAt', reason: 'is not after the document in force was last seen' }] },
      );
    }
    const document =
      (await this.documents.findByHash(key, contentHash, manager)) ??
      (await this.documents.insertDocument(
        {
          ...key,
          schemaName: dto.kind === 'json' ? (dto.schema ?? null) : null,
          contentHash,
          content: dto.content,
          facts,
          collectedAt,
          receivedAt: now,
          submittedBy: principal.keyId,
        },
        manager,
      ));
    if (current) await this.documents.close(current.stateId, collectedAt, manager);
    const stateId = await this.documents.open(key, document.id, collectedAt, manager);
    if (!current) return { outcome: 'created' as const, stateId, document, change: null };
    const diff = lineDiff(diffText(dto.kind, current.document.content), diffText(dto.kind, dto.content));
    const change = {
      ...key,
      fromDocumentId: current.document.id,
      toDocumentId: document.id,
      detectedAt: collectedAt,
      changes: handler.diff(current.document.facts, facts),
      lineDiff: diff.text,
      lineDiffTruncated: diff.truncated,
    };
    const id = await this.documents.insertChange(change, manager);
    return { outcome: 'changed' as const, stateId, document, change: { id, ...change } };
  }

  /**
   * A candidate document (a dry run): checked and parsed as a submission is, never stored.
   * `field` names it in errors (e.g. `documents[2]`).
   */
  async candidate(
    dto: Pick<SubmitConfigDto, 'kind' | 'asset' | 'tag' | 'schema' | 'content'>,
    field: string,
  ): Promise<{
    kind: ConfigKind;
    asset: string;
    tag: string;
    schema: string;
    facts: Record<string, unknown>;
  }> {
    const problems: FieldError[] = [];
    if (containsPanLike(dto.asset))
      problems.push({ field: `${field}.asset`, reason: 'looks like a card number (value not shown)' });
    if (dto.kind === 'json' && dto.schema === undefined)
      problems.push({ field: `${field}.schema`, reason: 'is required for kind "json"' });
    if (dto.kind !== 'json' && dto.schema !== undefined)
      problems.push({ field: `${field}.schema`, reason: `applies to kind "json" only, not "${dto.kind}"` });
    if (problems.length > 0) throw DriftwatchError.validation(problems);
    const handler = await this.handlerFor(dto.kind, dto.schema);
    try {
      const facts = parseDocument(handler, dto.content);
      return {
        kind: dto.kind,
        asset: canonicalAddress(dto.asset) ?? dto.asset,
        tag: dto.tag ?? '',
        schema: dto.kind === 'json' ? (dto.schema ?? '') : '',
        facts,
      };
    } catch (error: unknown) {
      // Name the candidate in the refusal: `documents[1].content:12`, not just `content:12`.
      if (error instanceof DriftwatchError && error.details.fields) {
        throw DriftwatchError.validation(
          error.details.fields.map((f) => ({ field: `${field}.${f.field}`, reason: f.reason })),
        );
      }
      throw error;
    }
  }

  private async liveScope(scopeId: string): Promise<void> {
    if (!(await this.scopes.findLive(scopeId))) throw scopeNotFound(scopeId);
  }

  private async handlerFor(
    kind: ConfigKind,
    schemaName: string | undefined,
  ): Promise<ConfigKindHandler<object>> {
    if (kind !== 'json') return builtInHandler(kind);
    const registered = await this.documents.schema(schemaName ?? '');
    if (!registered) {
      throw DriftwatchError.validation([
        {
          field: 'schema',
          reason: `no schema is registered as "${schemaName}" (POST /api/v1/config-schemas)`,
        },
      ]);
    }
    return jsonDocumentHandler(registered.name, registered.schema);
  }
}

/** The text a line diff compares: JSON kinds pretty-printed (they parsed, so this cannot fail). */
/**
 * The document in force says what `facts` say: the same bytes, or text that parses to the same
 * facts. What changes on every collection while the configuration does not (iptables-save's
 * "Generated by … on <time>" and "Completed on" lines and its packet counters, comments, CRLF line
 * ends, JSON whitespace) would otherwise be recorded as drift at each one. Both sides are parsed
 * by the same parser, so a parser that learns new facts does not make every stored document
 * "changed" once.
 */
function sameConfiguration(
  handler: ConfigKindHandler<object>,
  current: { contentHash: string; content: string },
  contentHash: string,
  facts: Record<string, unknown>,
): boolean {
  if (current.contentHash === contentHash) return true;
  let before: Record<string, unknown>;
  try {
    before = parseDocument(handler, current.content);
  } catch {
    // Stored under an older, laxer parser: it cannot be the same as what parses now.
    return false;
  }
  return canonicalJson(before) === canonicalJson(facts);
}

function diffText(kind: ConfigKind, content: string): string {
  return JSON_KINDS.has(kind) ? `${JSON.stringify(JSON.parse(content), null, 2)}\n` : content;
}

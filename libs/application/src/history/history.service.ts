import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { DriftwatchError, ErrorCode, parseTarget } from '@driftwatch/core';
import {
  ChangeRepository,
  ObservationRepository,
  ScopeRepository,
  SnapshotRepository,
  type StoredChange,
} from '@driftwatch/persistence';

import { Clock } from '@driftwatch/application/common/clock';
import { decodeCursor, encodeCursor, TIMESTAMP_KEY } from '@driftwatch/application/common/cursor';
import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';
import { SnapshotContent } from '@driftwatch/application/scans/snapshot-content.service';
import { scopeNotFound } from '@driftwatch/application/scopes/scope-not-found';

import {
  type AssetHistoryQueryDto,
  type AssetHistoryResponseDto,
  type AssetsQueryDto,
  type AssetsResponseDto,
  type AssetStateDto,
  type ChangeDto,
  type ChangeFeedResponseDto,
  type ChangeListResponseDto,
  type ChangesFeedQueryDto,
  type ChangesQueryDto,
  mapInterval,
  mapSnapshotSummary,
  serviceOf,
  type ScopeStateResponseDto,
  type SnapshotListResponseDto,
  type SnapshotResponseDto,
} from './history.dto';

/** The feed's cursor: changes are ordered by (detected_at, id) only. */
const FEED_ORDER = 'detectedAt';
const CHANGE_ID = /^[1-9]\d{0,17}$/;

function mapChange(c: StoredChange): ChangeDto {
  return {
    type: c.type,
    address: c.address,
    protocol: c.protocol,
    port: c.port,
    before: c.before,
    after: c.after,
    detectedAt: c.detectedAt.toISOString(),
    snapshotId: c.snapshotId,
    previousSnapshotId: c.previousSnapshotId,
  };
}

/** What was observed, and when: snapshots, and the state intervals behind point-in-time queries. */
@Injectable()
export class HistoryService {
  constructor(
    private readonly scopes: ScopeRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly observations: ObservationRepository,
    private readonly changes: ChangeRepository,
    private readonly content: SnapshotContent,
    private readonly clock: Clock,
  ) {}

  async listSnapshots(
    scopeId: string,
    page: { limit?: number; offset?: number },
  ): Promise<SnapshotListResponseDto> {
    if (!(await this.scopes.findLive(scopeId))) throw scopeNotFound(scopeId);
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = page.offset ?? 0;
    const { items, total } = await this.snapshots.listForScope(scopeId, { limit, offset });
    return { items: items.map(mapSnapshotSummary), page: { total, limit, offset } };
  }

  async getSnapshot(id: string): Promise<SnapshotResponseDto> {
    const snapshot = await this.snapshots.findById(id);
    if (!snapshot) throw new DriftwatchError(ErrorCode.NotFound, `Snapshot ${id} not found`);
    return {
      ...mapSnapshotSummary(snapshot),
      run: snapshot.run,
      hosts: await this.content.hostsOf(snapshot),
    };
  }

  /** Drift of a scope: what changed between consecutive snapshots, oldest first. */
  async changesSince(scopeId: string, query: ChangesQueryDto): Promise<ChangeListResponseDto> {
    if (!(await this.scopes.findLive(scopeId))) throw scopeNotFound(scopeId);
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const since = query.since ? new Date(query.since) : undefined;
    const { items, total } = await this.changes.listSince(scopeId, since, { limit, offset });
    return { items: items.map(mapChange), page: { total, limit, offset } };
  }

  /** Drift across scopes (or of one), oldest first, in keyset pages: since < detectedAt ≤ until. */
  /** `manager`: read inside its transaction (an export's consistent read). */
  async changesFeed(query: ChangesFeedQueryDto, manager?: EntityManager): Promise<ChangeFeedResponseDto> {
    const since = query.since ? new Date(query.since) : undefined;
    const until = query.until ? new Date(query.until) : undefined;
    if (since && until && since.getTime() >= until.getTime()) {
      throw DriftwatchError.validation([{ field: 'until', reason: 'must be later than since' }]);
    }
    if (query.scope && !(await this.scopes.findLive(query.scope))) throw scopeNotFound(query.scope);
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const after = query.cursor ? decodeCursor(query.cursor, FEED_ORDER, TIMESTAMP_KEY, CHANGE_ID) : undefined;
    const { items, next } = await this.changes.feed(
      { scopeId: query.scope, since, until, types: query.kind },
      { limit, after },
      manager,
    );
    return {
      items: items.map((c) => ({ ...mapChange(c), scopeId: c.scopeId })),
      nextCursor: next ? encodeCursor(FEED_ORDER, next) : null,
      limit,
    };
  }

  /**
   * What the scope looked like at `at` (default now): its last snapshot taken by then, with
   * every host, port, service and script output, read from the state intervals at that
   * snapshot's sequence number. Hosts an incomplete snapshot did not observe keep their last
   * known state, as the intervals do.
   */
  async scopeState(scopeId: string, at: string | undefined): Promise<ScopeStateResponseDto> {
    if (!(await this.scopes.findLive(scopeId))) throw scopeNotFound(scopeId);
    const moment = at ? new Date(at) : this.clock.now();
    const snapshot = await this.snapshots.latestAt(scopeId, moment);
    return {
      scopeId,
      at: moment.toISOString(),
      snapshot: snapshot ? mapSnapshotSummary(snapshot) : null,
      hosts: snapshot ? await this.content.hostsOf({ ...snapshot, missingTargets: [] }) : [],
    };
  }

  /** The scope's hosts and ports as they were at `asOf` (default: now). */
  async assetsAt(query: AssetsQueryDto): Promise<AssetsResponseDto> {
    if (!(await this.scopes.findLive(query.scope))) throw scopeNotFound(query.scope);
    const asOf = query.asOf ? new Date(query.asOf) : this.clock.now();
    const byAddress = new Map<string, AssetStateDto>();
    for (const o of await this.observations.openAt(query.scope, asOf)) {
      const asset = byAddress.get(o.address) ?? { address: o.address, ports: [] };
      asset.ports.push({
        protocol: o.protocol,
        port: o.port,
        state: o.state,
        service: serviceOf(o),
        since: o.firstSeenAt.toISOString(),
        sinceSnapshotId: o.firstSeenSnapshotId,
      });
      byAddress.set(o.address, asset);
    }
    return { scopeId: query.scope, asOf: asOf.toISOString(), assets: [...byAddress.values()] };
  }

  async assetHistory(address: string, query: AssetHistoryQueryDto): Promise<AssetHistoryResponseDto> {
    const parsed = parseTarget(address);
    if (!parsed.ok || (parsed.target.kind !== 'ipv4' && parsed.target.kind !== 'ipv6')) {
      throw DriftwatchError.validation([{ field: 'address', reason: 'must be an IPv4 or IPv6 address' }]);
    }
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total } = await this.observations.historyOf(parsed.target.value, query.scope, {
      limit,
      offset,
    });
    return { address: parsed.target.value, items: items.map(mapInterval), page: { total, limit, offset } };
  }
}

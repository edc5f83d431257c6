import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { DriftwatchError, ErrorCode, type FieldError, parseTarget } from '@driftwatch/core';
import {
  BaselineRepository,
  type FindingEntity,
  type FindingFilter,
  type FindingPageRequest,
  FindingRepository,
  FINDING_SORT_KEYS,
  type FindingSort,
  WaiverRepository,
} from '@driftwatch/persistence';

import { decodeCursor, encodeCursor, TIMESTAMP_KEY } from '@driftwatch/application/common/cursor';
import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';

import { findingJson } from './finding-json';
import {
  type FindingListResponseDto,
  type FindingResponseDto,
  type FindingTimelineDto,
  type ListFindingsQueryDto,
  mapFinding,
  mapTransition,
  mapVersion,
} from './finding.dto';

@Injectable()
export class FindingService {
  constructor(
    private readonly findings: FindingRepository,
    private readonly baselines: BaselineRepository,
    private readonly waivers: WaiverRepository,
  ) {}

  /** One keyset page of findings; `total` only when asked (`count`), since it counts every match. */
  /** `manager`: read inside its transaction (an export's consistent read). */
  async list(query: ListFindingsQueryDto, manager?: EntityManager): Promise<FindingListResponseDto> {
    const { filter, page } = pageRequest(query);
    const [{ items, next }, total] = await Promise.all([
      this.findings.list(filter, page, manager),
      query.count ? this.findings.count(filter) : Promise.resolve(undefined),
    ]);
    return {
      items: items.map((row) => mapFinding(row.finding, row.baseline, row.waiver)),
      nextCursor: next ? encodeCursor(page.sort, next) : null,
      limit: page.limit,
      ...(total === undefined ? {} : { total }),
    };
  }

  /**
   * `list` as the JSON text of its FindingListResponseDto, each finding written from the
   * database's text (findingJson): what the list route sends.
   */
  async listJson(query: ListFindingsQueryDto): Promise<string> {
    const { filter, page } = pageRequest(query);
    const [{ items, next }, total] = await Promise.all([
      this.findings.listRaw(filter, page),
      query.count ? this.findings.count(filter) : Promise.resolve(undefined),
    ]);
    const nextCursor = next ? encodeCursor(page.sort, next) : null;
    const rest = JSON.stringify({ nextCursor, limit: page.limit, ...(total === undefined ? {} : { total }) });
    return `{"items":[${items.map(findingJson).join(',')}],${rest.slice(1)}`;
  }

  async get(id: string): Promise<FindingResponseDto> {
    const finding = await this.findings.findById(id);
    if (!finding) throw new DriftwatchError(ErrorCode.NotFound, `finding ${id} not found`);
    const [mapped] = await this.withLifecycle([finding]);
    if (!mapped) throw new DriftwatchError(ErrorCode.NotFound, `finding ${id} not found`);
    return mapped;
  }

  /** The finding, every status change it went through and every change of what it said, oldest first. */
  async timeline(id: string): Promise<FindingTimelineDto> {
    const finding = await this.get(id);
    const [transitions, versions] = await Promise.all([
      this.findings.timeline(id),
      this.findings.versions(id),
    ]);
    return { finding, transitions: transitions.map(mapTransition), versions: versions.map(mapVersion) };
  }

  /** Adds baseline status and the waiver in force, two queries for the whole page. */
  private async withLifecycle(items: FindingEntity[]): Promise<FindingResponseDto[]> {
    if (items.length === 0) return [];
    const [baselines, waivers] = await Promise.all([
      this.baselines.verdictsFor(items),
      this.waivers.inForceForFindings(items.map((f) => f.id)),
    ]);
    return items.map((f) => mapFinding(f, baselines.get(f.id), waivers.get(f.id)));
  }
}

const RANK_KEY = /^[0-4]$/;

/** The repository filter of a query: addresses normalized, time ranges checked (from < to). */
function findingFilter(query: ListFindingsQueryDto): FindingFilter {
  const errors: FieldError[] = [];
  let asset: string | undefined;
  if (query.asset !== undefined) {
    const parsed = parseTarget(query.asset);
    if (parsed.ok && (parsed.target.kind === 'ipv4' || parsed.target.kind === 'ipv6')) {
      asset = parsed.target.value;
    } else errors.push({ field: 'asset', reason: 'must be an IPv4 or IPv6 address' });
  }
  const range = (from: 'firstFailedFrom' | 'lastSeenFrom', to: 'firstFailedTo' | 'lastSeenTo') => {
    const start = query[from] === undefined ? undefined : new Date(query[from]);
    const end = query[to] === undefined ? undefined : new Date(query[to]);
    if (start && end && start.getTime() >= end.getTime()) {
      errors.push({ field: to, reason: `must be later than ${from}` });
    }
    return [start, end] as const;
  };
  const [firstFailedFrom, firstFailedTo] = range('firstFailedFrom', 'firstFailedTo');
  const [lastSeenFrom, lastSeenTo] = range('lastSeenFrom', 'lastSeenTo');
  if (errors.length > 0) throw DriftwatchError.validation(errors);
  return {
    scopeId: query.scope,
    severity: query.severity,
    status: query.status,
    requirement: query.requirement,
    ruleId: query.rule,
    asset,
    newSinceBaseline: query.newSinceBaseline,
    firstFailedFrom,
    firstFailedTo,
    lastSeenFrom,
    lastSeenTo,
  };
}

/** The repository's filter and page request of a list query, its cursor decoded. */
function pageRequest(query: ListFindingsQueryDto): { filter: FindingFilter; page: FindingPageRequest } {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  const sort: FindingSort = query.sort ?? '-lastSeenAt';
  const after = query.cursor
    ? decodeCursor(query.cursor, sort, FINDING_SORT_KEYS[sort].key === 'timestamp' ? TIMESTAMP_KEY : RANK_KEY)
    : undefined;
  return { filter: findingFilter(query), page: { sort, limit, after } };
}

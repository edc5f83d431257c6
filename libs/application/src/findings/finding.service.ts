import { Injectable } from '@nestjs/common';

import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import {
  BaselineRepository,
  type FindingEntity,
  FindingRepository,
  WaiverRepository,
} from '@driftwatch/persistence';

import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';

import {
  type FindingListResponseDto,
  type FindingResponseDto,
  type FindingTimelineDto,
  type ListFindingsQueryDto,
  mapFinding,
  mapTransition,
} from './finding.dto';

@Injectable()
export class FindingService {
  constructor(
    private readonly findings: FindingRepository,
    private readonly baselines: BaselineRepository,
    private readonly waivers: WaiverRepository,
  ) {}

  async list(query: ListFindingsQueryDto): Promise<FindingListResponseDto> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total } = await this.findings.list({
      scopeId: query.scope,
      severity: query.severity,
      status: query.status,
      newSinceBaseline: query.newSinceBaseline,
      limit,
      offset,
    });
    return { items: await this.withLifecycle(items), page: { total, limit, offset } };
  }

  async get(id: string): Promise<FindingResponseDto> {
    const finding = await this.findings.findById(id);
    if (!finding) throw new DriftwatchError(ErrorCode.NotFound, `finding ${id} not found`);
    const [mapped] = await this.withLifecycle([finding]);
    if (!mapped) throw new DriftwatchError(ErrorCode.NotFound, `finding ${id} not found`);
    return mapped;
  }

  /** The finding and every status change it went through, oldest first. */
  async timeline(id: string): Promise<FindingTimelineDto> {
    const finding = await this.get(id);
    const transitions = await this.findings.timeline(id);
    return { finding, transitions: transitions.map(mapTransition) };
  }

  /** Adds baseline status and the waiver in force, two queries for the whole page. */
  private async withLifecycle(items: FindingEntity[]): Promise<FindingResponseDto[]> {
    const [baselines, waivers] = await Promise.all([
      this.baselines.latestOf(items.map((f) => f.scopeId)),
      this.waivers.inForceForFindings(items.map((f) => f.id)),
    ]);
    return items.map((f) => mapFinding(f, baselines.get(f.scopeId), waivers.get(f.id)));
  }
}

import { Injectable } from '@nestjs/common';

import { FindingRepository } from '@driftwatch/persistence';

import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';

import { type FindingListResponseDto, type ListFindingsQueryDto, mapFinding } from './finding.dto';

@Injectable()
export class FindingService {
  constructor(private readonly findings: FindingRepository) {}

  async list(query: ListFindingsQueryDto): Promise<FindingListResponseDto> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total } = await this.findings.list({
      scopeId: query.scope,
      severity: query.severity,
      status: query.status,
      limit,
      offset,
    });
    return { items: items.map(mapFinding), page: { total, limit, offset } };
  }
}

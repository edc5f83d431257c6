import { Injectable } from '@nestjs/common';

import { canonicalJson } from '@driftwatch/core';
import { type CsvColumn, csvLines } from '@driftwatch/export';

import { MAX_PAGE_LIMIT } from '@driftwatch/application/common/pagination';
import type { FindingResponseDto } from '@driftwatch/application/findings/finding.dto';
import { FindingService } from '@driftwatch/application/findings/finding.service';
import type { FeedChangeDto } from '@driftwatch/application/history/history.dto';
import { HistoryService } from '@driftwatch/application/history/history.service';

import type { CsvExport, ExportChangesQueryDto, ExportFindingsQueryDto } from './export.dto';

export const FINDING_CSV_COLUMNS: CsvColumn<FindingResponseDto>[] = [
  { header: 'id', value: (f) => f.id },
  { header: 'scope_id', value: (f) => f.scopeId },
  { header: 'rule_id', value: (f) => f.ruleId },
  { header: 'requirements', value: (f) => f.requirements.join('; ') },
  { header: 'severity', value: (f) => f.severity },
  { header: 'status', value: (f) => f.status },
  { header: 'asset', value: (f) => f.asset },
  { header: 'subject', value: (f) => f.subject },
  { header: 'message', value: (f) => f.message },
  { header: 'first_failed_at', value: (f) => f.firstFailedAt },
  { header: 'last_seen_at', value: (f) => f.lastSeenAt },
  { header: 'resolved_at', value: (f) => f.resolvedAt },
  { header: 'baseline_status', value: (f) => f.baseline?.status ?? null },
];

export const CHANGE_CSV_COLUMNS: CsvColumn<FeedChangeDto>[] = [
  { header: 'detected_at', value: (c) => c.detectedAt },
  { header: 'scope_id', value: (c) => c.scopeId },
  { header: 'snapshot_id', value: (c) => c.snapshotId },
  { header: 'previous_snapshot_id', value: (c) => c.previousSnapshotId },
  { header: 'type', value: (c) => c.type },
  { header: 'address', value: (c) => c.address },
  { header: 'protocol', value: (c) => c.protocol },
  { header: 'port', value: (c) => c.port },
  {
    header: 'before',
    value: (c) => (c.before === null || c.before === undefined ? null : canonicalJson(c.before)),
  },
  {
    header: 'after',
    value: (c) => (c.after === null || c.after === undefined ? null : canonicalJson(c.after)),
  },
];

/** How many rows one database read brings: the largest page the JSON API serves. */
const BATCH = MAX_PAGE_LIMIT;

/** A keyset walk: the first page is read before the caller starts writing, so bad input is a 4xx, not a broken download. */
async function pages<T>(
  read: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<AsyncIterable<T[]>> {
  const first = await read(undefined);
  return (async function* () {
    let page = first;
    yield page.items;
    while (page.nextCursor) {
      page = await read(page.nextCursor);
      yield page.items;
    }
  })();
}

/**
 * CSV exports for auditors, streamed: rows are read in keyset batches through the same services
 * as the JSON API (same filters, same order, same values) and written as they come, so a file of
 * hundreds of thousands of findings never sits in memory.
 */
@Injectable()
export class ExportService {
  constructor(
    private readonly findings: FindingService,
    private readonly history: HistoryService,
  ) {}

  async findingsCsv(query: ExportFindingsQueryDto): Promise<CsvExport> {
    const batches = await pages((cursor) => this.findings.list({ ...query, limit: BATCH, cursor }));
    return { filename: 'findings.csv', lines: csvLines(FINDING_CSV_COLUMNS, batches) };
  }

  async changesCsv(query: ExportChangesQueryDto): Promise<CsvExport> {
    const batches = await pages((cursor) => this.history.changesFeed({ ...query, limit: BATCH, cursor }));
    return { filename: `changes-${query.scope}.csv`, lines: csvLines(CHANGE_CSV_COLUMNS, batches) };
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { AppConfig } from '@driftwatch/config';
import { canonicalJson, DriftwatchError, ErrorCode } from '@driftwatch/core';
import { type CsvColumn, csvLines } from '@driftwatch/export';
import { type ConsistentRead, openConsistentRead } from '@driftwatch/persistence';

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

/**
 * A keyset walk inside one consistent read, so the file is the list as of one moment whatever
 * is written while it downloads. The first page is read before the caller starts writing, so bad
 * input is a 4xx, not a broken download. The read ends with the walk, or with `close`.
 */
async function pages<T>(
  reader: ConsistentRead,
  read: (
    cursor: string | undefined,
    manager: EntityManager,
  ) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<AsyncIterable<T[]>> {
  let first: { items: T[]; nextCursor: string | null };
  try {
    first = await read(undefined, reader.manager);
  } catch (error: unknown) {
    await reader.close();
    throw error;
  }
  return (async function* () {
    try {
      let page = first;
      yield page.items;
      while (page.nextCursor) {
        page = await read(page.nextCursor, reader.manager);
        yield page.items;
      }
    } finally {
      await reader.close();
    }
  })();
}

/**
 * CSV exports for auditors, streamed: rows are read in keyset batches through the same services
 * as the JSON API (same filters, same order, same values) and written as they come, so a file of
 * hundreds of thousands of findings never sits in memory. Each holds a database connection until
 * it ends, so only `http.exports.concurrency` run at once in a process; more are refused (429)
 * rather than queued behind downloads that may take minutes.
 */
@Injectable()
export class ExportService {
  private running = 0;

  constructor(
    private readonly findings: FindingService,
    private readonly history: HistoryService,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** A consistent read in one of the export slots, given back when the read closes. */
  private async openRead(): Promise<ConsistentRead> {
    const { concurrency } = this.config.http.exports;
    if (this.running >= concurrency) {
      throw new DriftwatchError(
        ErrorCode.RateLimited,
        `${concurrency} export(s) are being downloaded from this server, the most it runs at once: retry when one has ended`,
      );
    }
    this.running++;
    try {
      const reader = await openConsistentRead(this.dataSource);
      let held = true;
      return {
        manager: reader.manager,
        close: () => {
          if (held) {
            held = false;
            this.running--;
          }
          return reader.close();
        },
      };
    } catch (error: unknown) {
      this.running--;
      throw error;
    }
  }

  async findingsCsv(query: ExportFindingsQueryDto): Promise<CsvExport> {
    const reader = await this.openRead();
    const batches = await pages(reader, (cursor, manager) =>
      this.findings.list({ ...query, limit: BATCH, cursor }, manager),
    );
    return { filename: 'findings.csv', lines: csvLines(FINDING_CSV_COLUMNS, batches), close: reader.close };
  }

  async changesCsv(query: ExportChangesQueryDto): Promise<CsvExport> {
    const reader = await this.openRead();
    const batches = await pages(reader, (cursor, manager) =>
      this.history.changesFeed({ ...query, limit: BATCH, cursor }, manager),
    );
    return {
      filename: `changes-${query.scope}.csv`,
      lines: csvLines(CHANGE_CSV_COLUMNS, batches),
      close: reader.close,
    };
  }
}

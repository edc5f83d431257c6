import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { type AuditActor, DriftwatchError, ErrorCode, errorChain } from '@driftwatch/core';
import { ScanRepository, ScanShardRepository, ScopeRepository } from '@driftwatch/persistence';
import { ScanQueue } from '@driftwatch/queue';

import { AuditTrail } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { scopeNotFound } from '@driftwatch/application/scopes/scope-not-found';

import { ScanCancellation } from './scan-cancellation';
import { mapScan, type ScanAcceptedDto, type ScanResponseDto } from './scan.dto';

@Injectable()
export class ScanService {
  private readonly logger = new Logger(ScanService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopeRepository,
    private readonly scans: ScanRepository,
    private readonly shards: ScanShardRepository,
    private readonly queue: ScanQueue,
    private readonly clock: Clock,
    private readonly cancellation: ScanCancellation,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * Scan now. The scan row and its job are created together: if Redis refuses the job the row
   * is rolled back, so no scan waits forever for a job that does not exist.
   */
  async request(scopeId: string, actor: AuditActor): Promise<ScanAcceptedDto> {
    const scope = await this.scopes.findLive(scopeId);
    if (!scope) throw scopeNotFound(scopeId);
    const scan = await this.dataSource.transaction(async (manager) => {
      const created = await this.scans.createManual(scopeId, scope.vantage, this.clock.now(), manager);
      await this.audit.record(manager, {
        actor,
        action: 'scan.requested',
        subjectType: 'scan',
        subjectId: created.id,
        scopeId,
      });
      await this.queue.enqueueManualScan(created.id, scope.vantage);
      return created;
    });
    return { id: scan.id, status: scan.status };
  }

  /**
   * Cancel a scan that has not produced its snapshot: a queued scan never starts, a running
   * one has its nmap child stopped by the worker that runs it. Cancelling twice is refused.
   */
  /**
   * Cancels the scope's queued and running scans (its deletion): each as `cancel` would, so their
   * nmap stops now rather than running out its shards and then failing with "scope no longer
   * exists". A scan that ends meanwhile is left as it ended.
   */
  async cancelAllOfScope(scopeId: string, actor: AuditActor): Promise<string[]> {
    const cancelled: string[] = [];
    for (const scan of await this.scans.cancellableOfScope(scopeId)) {
      try {
        await this.cancel(scan.id, actor);
        cancelled.push(scan.id);
      } catch (error: unknown) {
        if (!(error instanceof DriftwatchError && error.code === ErrorCode.Conflict)) throw error;
      }
    }
    return cancelled;
  }

  async cancel(id: string, actor: AuditActor): Promise<ScanResponseDto> {
    const scan = await this.scans.findById(id);
    if (!scan) throw new DriftwatchError(ErrorCode.NotFound, `Scan ${id} not found`);
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.scans.markCancelled(id, this.clock.now(), actor.name, manager))) {
        throw new DriftwatchError(
          ErrorCode.Conflict,
          `Scan ${id} is ${scan.status} and can no longer be cancelled`,
        );
      }
      await this.audit.record(manager, {
        actor,
        action: 'scan.cancelled',
        subjectType: 'scan',
        subjectId: id,
        scopeId: scan.scopeId,
        details: { statusBefore: scan.status },
      });
    });
    // The cancellation is committed, and it holds without Redis: a job that runs later skips a
    // cancelled scan, and a running scan's snapshot is not stored. Removing the waiting job and
    // stopping nmap now only save the work; without Redis they wait (nmap runs out its shard),
    // and the answer still says what was done rather than a 503 for a change that was made.
    const bestEffort = async (what: string, step: () => Promise<void>) => {
      try {
        await step();
      } catch (error: unknown) {
        this.logger.warn({ scanId: id, reason: errorChain(error) }, `scan cancelled, but could not ${what}`);
      }
    };
    await bestEffort('remove its queued job', () => this.queue.removeScanJob(scan, scan.vantage));
    await bestEffort('signal the workers to stop its nmap', () => this.cancellation.requestCancel(id));
    return this.get(id);
  }

  async get(id: string): Promise<ScanResponseDto> {
    const scan = await this.scans.findById(id);
    if (!scan) throw new DriftwatchError(ErrorCode.NotFound, `Scan ${id} not found`);
    return mapScan(scan, await this.shards.listForScan(id));
  }
}

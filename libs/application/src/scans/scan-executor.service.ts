import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import {
  DriftwatchError,
  ErrorCode,
  type HostObservation,
  parsePortSpec,
  primaryAddress,
} from '@driftwatch/core';
import { type ScanEntity, ScanRepository, ScopeRepository } from '@driftwatch/persistence';
import type { NmapRunResult } from '@driftwatch/nmap';
import { withPortFacts } from '@driftwatch/nmap/facts';
import { isNseScript } from '@driftwatch/nmap/nmap-arguments';
import { ScanQueue } from '@driftwatch/queue';

import { Clock } from '@driftwatch/application/common/clock';
import { MetricsService } from '@driftwatch/application/metrics/metrics.service';

import { NmapScanner } from './nmap-scanner';
import { ScanCancellation } from './scan-cancellation';
import { ScanTargetResolver } from './scan-target-resolver';
import { SnapshotWriter } from './snapshot-writer.service';

export type ScanOutcome = { kind: 'stored'; snapshotId: string } | { kind: 'skipped'; reason: string };

/** Runs one scan for the worker: nmap, then snapshot + state intervals in one transaction. */
@Injectable()
export class ScanExecutor {
  private readonly logger = new Logger(ScanExecutor.name);

  constructor(
    private readonly scopes: ScopeRepository,
    private readonly scans: ScanRepository,
    private readonly writer: SnapshotWriter,
    private readonly targets: ScanTargetResolver,
    private readonly nmap: NmapScanner,
    private readonly queue: ScanQueue,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly cancellation: ScanCancellation,
  ) {}

  async scheduledScan(scopeId: string, slot: Date): Promise<ScanEntity> {
    return this.scans.findOrCreateScheduled(scopeId, slot, this.clock.now());
  }

  async execute(scanId: string, attempt: number, signal?: AbortSignal): Promise<ScanOutcome> {
    const scan = await this.scans.findById(scanId);
    // The API commits the scan row right after enqueueing; a job can briefly get here first.
    if (!scan) throw new DriftwatchError(ErrorCode.NotFound, `scan ${scanId} not found (yet)`);
    if (scan.status === 'completed' || scan.status === 'evaluating' || scan.snapshotId) {
      if (scan.snapshotId && scan.status === 'evaluating')
        await this.queue.enqueueEvaluation(scan.id, scan.snapshotId);
      return { kind: 'skipped', reason: `scan already ${scan.status}` };
    }
    const scope = await this.scopes.findLive(scan.scopeId);
    if (!scope) throw new DriftwatchError(ErrorCode.NotFound, `scope ${scan.scopeId} no longer exists`);

    const startedAt = this.clock.now();
    if (!(await this.scans.markRunning(scan.id, startedAt, attempt))) {
      return { kind: 'skipped', reason: 'scan was cancelled' };
    }
    const ports = parsePortSpec(scope.ports);
    if (!ports.ok)
      throw new DriftwatchError(ErrorCode.ValidationFailed, `scope ports invalid: ${ports.reason}`);
    const { targets, hostnames } = await this.targets.resolve(scope.targets);

    const tracked = this.cancellation.track(scan.id);
    const signals = signal ? [signal, tracked.signal] : [tracked.signal];
    let result: NmapRunResult;
    try {
      result = await this.nmap.scan(
        targets,
        ports.ranges,
        scope.scripts.filter(isNseScript),
        AbortSignal.any(signals),
      );
    } catch (error: unknown) {
      if (tracked.signal.aborted) throw cancelled(scan.id, error);
      throw error;
    } finally {
      tracked.finished();
    }
    const hosts = withPortFacts(withScopeHostnames(result.observation.hosts, hostnames));
    const takenAt = this.clock.now();
    this.metrics.scanSucceeded((takenAt.getTime() - startedAt.getTime()) / 1000);

    const snapshotId = await this.writer.store(
      scope,
      scan.id,
      { run: result.observation.run, hosts },
      takenAt,
      async (id: string, manager: EntityManager) => {
        if (!(await this.scans.markEvaluating(scan.id, id, result.warnings, manager))) {
          // Cancelled while nmap was finishing: roll the snapshot back.
          throw cancelled(scan.id);
        }
      },
    );
    this.logger.log(
      { scanId: scan.id, snapshotId, hosts: hosts.length, ms: result.durationMs },
      'snapshot stored',
    );
    await this.queue.enqueueEvaluation(scan.id, snapshotId);
    return { kind: 'stored', snapshotId };
  }

  async markFailed(scanId: string, reason: string): Promise<void> {
    await this.scans.markFailed(scanId, this.clock.now(), reason);
    this.metrics.scanFailed();
  }

  async markRetrying(scanId: string, reason: string): Promise<void> {
    await this.scans.markRetrying(scanId, reason);
  }
}

function cancelled(scanId: string, cause?: unknown): DriftwatchError {
  return new DriftwatchError(ErrorCode.ScanCancelled, `scan ${scanId} was cancelled`, {}, { cause });
}

function withScopeHostnames(hosts: HostObservation[], names: Map<string, string[]>): HostObservation[] {
  if (names.size === 0) return hosts;
  return hosts.map((host) => {
    const extra = names.get(primaryAddress(host) ?? '') ?? [];
    const known = new Set(host.hostnames.map((h) => h.name));
    return {
      ...host,
      hostnames: [
        ...host.hostnames,
        ...extra.filter((n) => !known.has(n)).map((name) => ({ name, type: 'scope' })),
      ],
    };
  });
}

import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AppConfig } from '@driftwatch/config';
import {
  DriftwatchError,
  ErrorCode,
  type HostObservation,
  type NetworkObservation,
  parsePortSpec,
  planShards,
  primaryAddress,
  scheduleSlot,
} from '@driftwatch/core';
import { withPortFacts } from '@driftwatch/nmap/facts';
import {
  type ScanEntity,
  ScanRepository,
  type ScanShardEntity,
  ScanShardRepository,
  type ScopeEntity,
  ScopeRepository,
} from '@driftwatch/persistence';
import { ScanQueue } from '@driftwatch/queue';

import { systemActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { MetricsService } from '@driftwatch/application/metrics/metrics.service';

import { scanParameters } from './scan-parameters';
import { ScanTargetResolver } from './scan-target-resolver';
import { duplicateWarnings, SnapshotWriter } from './snapshot-writer.service';
import { setAsideTimedOut } from './timed-out-hosts';

// Scheduled and requested scans alike are stored by a worker; who asked for the scan is in the trail.
const WORKER = systemActor('worker');

export type ScanOutcome =
  { kind: 'stored'; snapshotId: string; complete: boolean } | { kind: 'skipped'; reason: string };

export type PlanOutcome =
  | { kind: 'planned'; shards: number[]; hostnames: [string, string[]][] }
  | { kind: 'skipped'; reason: string };

/**
 * A scan in two steps, run by the worker of the scope's vantage: `plan` resolves and checks the
 * targets and splits them into shards (each then runs as its own job, see ShardRunner);
 * `assemble` runs when every shard has finished and stores their results as one snapshot, with
 * its state intervals and drift, in one transaction. A failed shard makes the snapshot
 * incomplete, with the targets it could not observe listed on it.
 */
@Injectable()
export class ScanExecutor {
  private readonly logger = new Logger(ScanExecutor.name);

  constructor(
    private readonly config: AppConfig,
    private readonly scopes: ScopeRepository,
    private readonly scans: ScanRepository,
    private readonly shards: ScanShardRepository,
    private readonly writer: SnapshotWriter,
    private readonly targets: ScanTargetResolver,
    private readonly queue: ScanQueue,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  async scheduledScan(scopeId: string, vantage: string, slot: Date): Promise<ScanEntity> {
    return this.scans.findOrCreateScheduled(scopeId, vantage, slot, this.clock.now());
  }

  async plan(scanId: string, attempt: number): Promise<PlanOutcome> {
    const scan = await this.scanToRun(scanId);
    if ('skipped' in scan) return { kind: 'skipped', reason: scan.skipped };
    const scope = await this.scopes.findLive(scan.scopeId);
    if (!scope)
      throw new DriftwatchError(ErrorCode.NotFound, `scope ${scan.scopeId} no longer exists`, {
        final: true,
      });
    const overtaken = await this.laterSlotQueued(scan, scope);
    if (overtaken) {
      await this.scans.markSuperseded(scan.id, this.clock.now(), overtaken);
      this.logger.warn({ scanId, reason: overtaken }, 'scheduled scan superseded before it ran');
      return { kind: 'skipped', reason: overtaken };
    }
    const ports = parsePortSpec(scope.ports);
    if (!ports.ok)
      throw new DriftwatchError(ErrorCode.ValidationFailed, `scope ports invalid: ${ports.reason}`);
    // Every shard scans with what the scope said now, whatever it says by the time the shard runs.
    if (!(await this.scans.markRunning(scan.id, this.clock.now(), attempt, scanParameters(scope)))) {
      return { kind: 'skipped', reason: 'scan was cancelled' };
    }
    const { targets, hostnames } = await this.targets.resolve(scope.targets);
    const shards = planShards(targets, this.config.scan.shardPrefix);
    await this.shards.createAll(scan.id, shards);
    this.logger.log({ scanId, shards: shards.length }, 'scan planned');
    return { kind: 'planned', shards: shards.map((_, i) => i + 1), hostnames: [...hostnames] };
  }

  async assemble(scanId: string, hostnames: [string, string[]][]): Promise<ScanOutcome> {
    const scan = await this.scanToRun(scanId);
    if ('skipped' in scan) return { kind: 'skipped', reason: scan.skipped };
    const scope = await this.scopes.findLive(scan.scopeId);
    if (!scope)
      throw new DriftwatchError(ErrorCode.NotFound, `scope ${scan.scopeId} no longer exists`, {
        final: true,
      });

    const shards = await this.shards.listForScan(scan.id, true);
    const pending = shards.filter((s) => s.status === 'queued' || s.status === 'running');
    if (pending.length > 0) {
      throw new DriftwatchError(ErrorCode.ScanFailed, `${pending.length} shard(s) have not finished yet`);
    }
    const done = shards.filter((s) => s.status === 'completed' && s.result);
    const missed = shards.filter((s) => !done.includes(s));
    if (done.length === 0) {
      throw new DriftwatchError(
        ErrorCode.ScanFailed,
        `every shard failed: ${missed.map((s) => `${s.block}: ${s.error ?? s.status}`).join('; ')}`,
        { final: true },
      );
    }
    const observation = mergeShards(done);
    const { observed, timedOut, warnings: timeouts } = setAsideTimedOut(observation.hosts);
    const hosts = withPortFacts(withScopeHostnames(observed, new Map(hostnames)));
    const missingTargets = [...missed.flatMap((s) => s.targets), ...timedOut];
    const warnings = [
      ...shards.flatMap((s) => s.warnings),
      ...missed.map((s) => `shard ${s.block} ${s.status}: ${s.error ?? 'no reason recorded'}`),
      ...timeouts,
    ];
    const takenAt = this.clock.now();
    let superseded: string | undefined;
    const stored = await this.writer
      .store(
        scope,
        scan.id,
        { run: observation.run, hosts },
        takenAt,
        async ({ snapshotId: id, duplicates }, manager: EntityManager) => {
          // Under the scope's lock: a scan that started later and was stored first saw a newer state.
          superseded = await this.newerObservation(scope.id, id, observation.run.startedAt, manager);
          if (superseded) throw new DriftwatchError(ErrorCode.ScanCancelled, superseded);
          const all = [...warnings, ...duplicateWarnings(duplicates)];
          if (!(await this.scans.markEvaluating(scan.id, id, all, manager))) {
            // Cancelled while the shards were finishing: roll the snapshot back.
            throw new DriftwatchError(ErrorCode.ScanCancelled, `scan ${scan.id} was cancelled`);
          }
          await this.shards.clearResults(scan.id, manager);
        },
        // The zone it was taken from: the scan's, even if the scope has moved since.
        { actor: WORKER, missingTargets, vantage: scan.vantage },
      )
      .catch(async (error: unknown) => {
        if (superseded === undefined) throw error;
        await this.scans.markSuperseded(scan.id, this.clock.now(), superseded);
        return undefined;
      });
    if (!stored) {
      this.logger.warn({ scanId: scan.id, reason: superseded }, 'scan superseded; no snapshot stored');
      return { kind: 'skipped', reason: superseded ?? 'superseded' };
    }
    const { snapshotId } = stored;
    if (scan.startedAt) this.metrics.scanSucceeded((takenAt.getTime() - scan.startedAt.getTime()) / 1000);
    this.logger.log(
      {
        scanId: scan.id,
        snapshotId,
        hosts: hosts.length,
        shards: shards.length,
        missed: missed.length,
        timedOut: timedOut.length,
      },
      'snapshot stored',
    );
    await this.queue.enqueueEvaluation(scan.id, snapshotId);
    return { kind: 'stored', snapshotId, complete: missingTargets.length === 0 };
  }

  /**
   * Why an observation that started at `startedAt` is older than the scope's current state, if
   * it is: the scope's previous snapshot comes from a scan that started later (it finished first,
   * being shorter or scanning less). Stored, the older observation would become the current state
   * and report as drift what the newer one had already seen change. Imports are dated by their
   * file and accepted as the latest state by design, so only the previous run's start counts.
   */
  private async newerObservation(
    scopeId: string,
    snapshotId: string,
    startedAt: string | undefined,
    manager: EntityManager,
  ): Promise<string | undefined> {
    if (startedAt === undefined) return undefined;
    const [previous]: { scan_id: string; started: string | null }[] = await manager.query(
      `SELECT scan_id, run->>'startedAt' AS started FROM snapshots
       WHERE scope_id = $1 AND id <> $2 ORDER BY seq DESC LIMIT 1`,
      [scopeId, snapshotId],
    );
    if (!previous?.started || Date.parse(previous.started) <= Date.parse(startedAt)) return undefined;
    return (
      `superseded: scan ${previous.scan_id} of this scope started later (${previous.started}) and was ` +
      `stored first, so this observation (started ${startedAt}) is older than the scope's current state`
    );
  }

  /** `evaluation`: the snapshot's evaluation failed for good, not the scan job. */
  async markFailed(scanId: string, reason: string, options: { evaluation?: boolean } = {}): Promise<void> {
    await this.scans.markFailed(scanId, this.clock.now(), reason, options);
    this.metrics.scanFailed();
    // The scope's findings learn of it (10.7.2) from an evaluation of its latest snapshot.
    await this.queue.enqueueFailureEvaluation(scanId);
  }

  async markRetrying(scanId: string, reason: string): Promise<void> {
    await this.scans.markRetrying(scanId, reason);
  }

  /** The scan if it still has to run; a redelivered job of a finished scan does nothing. */
  /**
   * Why a scheduled scan that has not started need not run: the job of a later slot of its scope
   * is already queued (or ran). Scans slower than their schedule used to run every slot in turn,
   * a backlog without end whose older scans were stored as nothing (superseded) after running in
   * full.
   */
  private async laterSlotQueued(scan: ScanEntity, scope: ScopeEntity): Promise<string | undefined> {
    if (scan.trigger !== 'schedule' || !scan.slot || !scope.schedule) return;
    let latest: Date;
    try {
      latest = scheduleSlot(scope.schedule, this.clock.now());
    } catch {
      return; // a schedule that no longer parses: the scheduler sync reports it
    }
    if (latest.getTime() <= scan.slot.getTime()) return;
    const job = await this.queue.scanJobState(
      { id: scan.id, scopeId: scope.id, slot: latest },
      scope.vantage,
    );
    if (job.state === 'missing' || job.state === 'failed') return;
    return (
      `superseded: the scan of the later slot ${latest.toISOString()} is already ${job.state === 'completed' ? 'done' : 'queued'}; ` +
      `slot ${scan.slot.toISOString()} was not run`
    );
  }

  private async scanToRun(scanId: string): Promise<ScanEntity | { skipped: string }> {
    // The API enqueues the job before it commits the scan row: a job that gets here first waits
    // for that commit (it used to fail an attempt and wait out the backoff).
    const scan = await this.scans.findCommitted(scanId);
    // Final: the lock wait above saw any creating transaction end, so no retry will find it (a job
    // whose enqueue timed out can still land after the API rolled the scan back).
    if (!scan) throw new DriftwatchError(ErrorCode.NotFound, `scan ${scanId} not found`, { final: true });
    if (scan.status === 'completed' || scan.status === 'evaluating' || scan.snapshotId) {
      // A stored snapshot not yet judged: its evaluation may not have been queued (Redis went
      // away after the snapshot committed). The job id is the snapshot's, so this adds it once.
      if (scan.snapshotId && scan.status !== 'completed')
        await this.queue.enqueueEvaluation(scan.id, scan.snapshotId);
      return { skipped: `scan already ${scan.status}` };
    }
    if (scan.status === 'cancelled' || scan.status === 'failed') return { skipped: `scan ${scan.status}` };
    return scan;
  }
}

/** The shards' observations as one: hosts in shard order, run totals summed. */
function mergeShards(shards: ScanShardEntity[]): NetworkObservation {
  const results = shards.map((s) => s.result).filter((r): r is NetworkObservation => r !== null);
  const runs = results.map((r) => r.run);
  const [first] = runs;
  if (!first) throw new DriftwatchError(ErrorCode.ScanFailed, 'no shard produced a result');
  const times = (key: 'startedAt' | 'finishedAt') =>
    runs
      .map((r) => r[key])
      .filter((t): t is string => t !== undefined)
      .sort();
  return {
    run: {
      ...first,
      startedAt: times('startedAt')[0],
      finishedAt: times('finishedAt').at(-1),
      hostsUp: runs.reduce((n, r) => n + r.hostsUp, 0),
      hostsDown: runs.reduce((n, r) => n + r.hostsDown, 0),
      hostsTotal: runs.reduce((n, r) => n + r.hostsTotal, 0),
    },
    hosts: results.flatMap((r) => r.hosts),
  };
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

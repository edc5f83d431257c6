import { Injectable, Logger } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';
import {
  DriftwatchError,
  ErrorCode,
  parseNetwork,
  parsePortSpec,
  parseTarget,
  type Target,
  targetWithinNetworks,
} from '@driftwatch/core';
import type { NmapProgress } from '@driftwatch/nmap';
import { isNseScript } from '@driftwatch/nmap/nmap-arguments';
import { ScanRepository, ScanShardRepository, ScopeRepository } from '@driftwatch/persistence';

import { Clock } from '@driftwatch/application/common/clock';

import { NmapScanner } from './nmap-scanner';
import { ScanCancellation } from './scan-cancellation';
import { scanParameters } from './scan-parameters';

export type ShardOutcome = { kind: 'completed'; hosts: number } | { kind: 'skipped'; reason: string };

// Progress is written at most this often per shard: enough for an ETA, cheap for the database.
const PROGRESS_WRITE_INTERVAL_MS = 2000;

/** Runs one shard of a scan with nmap and keeps its result until the scan is assembled. */
@Injectable()
export class ShardRunner {
  private readonly logger = new Logger(ShardRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly scopes: ScopeRepository,
    private readonly scans: ScanRepository,
    private readonly shards: ScanShardRepository,
    private readonly nmap: NmapScanner,
    private readonly cancellation: ScanCancellation,
    private readonly clock: Clock,
  ) {}

  async run(scanId: string, seq: number, attempt: number, signal?: AbortSignal): Promise<ShardOutcome> {
    const scan = await this.scans.findById(scanId);
    if (!scan) throw new DriftwatchError(ErrorCode.NotFound, `scan ${scanId} not found`);
    if (scan.status !== 'running') {
      await this.shards.markFinished(scanId, seq, 'cancelled', this.clock.now(), `scan is ${scan.status}`);
      return { kind: 'skipped', reason: `scan is ${scan.status}` };
    }
    const scope = await this.scopes.findLive(scan.scopeId);
    if (!scope) throw new DriftwatchError(ErrorCode.NotFound, `scope ${scan.scopeId} no longer exists`);
    const shard = await this.shards.find(scanId, seq);
    if (!shard) throw new DriftwatchError(ErrorCode.NotFound, `shard ${seq} of scan ${scanId} not found`);
    if (!(await this.shards.markRunning(scanId, seq, this.clock.now(), attempt))) {
      return { kind: 'skipped', reason: `shard already ${shard.status}` };
    }
    // As planned: a scope changed since then must not make this shard scan other ports than its siblings.
    const parameters = scan.parameters ?? scanParameters(scope);
    const ports = parsePortSpec(parameters.ports);
    if (!ports.ok)
      throw new DriftwatchError(ErrorCode.ValidationFailed, `scope ports invalid: ${ports.reason}`);
    const targets = this.checkedTargets(shard.targets);

    const tracked = this.cancellation.track(scanId);
    const signals = signal ? [signal, tracked.signal] : [tracked.signal];
    let lastWrite = 0;
    const onProgress = (p: NmapProgress) => {
      const now = Date.now();
      if (now - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
      lastWrite = now;
      const eta = p.etaSeconds === undefined ? null : new Date(p.at.getTime() + p.etaSeconds * 1000);
      this.shards.markProgress(scanId, seq, p.task, p.percent, eta).catch((error: unknown) => {
        this.logger.warn({ scanId, seq, err: String(error) }, 'could not record scan progress');
      });
    };
    try {
      const result = await this.nmap.scan(
        targets,
        ports.ranges,
        parameters.scripts.filter(isNseScript),
        AbortSignal.any(signals),
        onProgress,
        {
          hostTimeoutSeconds: parameters.hostTimeoutSeconds,
          scanTimeoutSeconds: parameters.scanTimeoutSeconds,
          hostDiscovery: parameters.hostDiscovery,
        },
      );
      await this.shards.markCompleted(scanId, seq, this.clock.now(), result.observation, result.warnings);
      return { kind: 'completed', hosts: result.observation.hosts.length };
    } catch (error: unknown) {
      if (tracked.signal.aborted) {
        throw new DriftwatchError(
          ErrorCode.ScanCancelled,
          `scan ${scanId} was cancelled`,
          {},
          { cause: error },
        );
      }
      throw error;
    } finally {
      tracked.finished();
    }
  }

  /** A shard that will not be retried: recorded before the job fails, so assembly sees it. */
  async markGivenUp(scanId: string, seq: number, reason: string, cancelled: boolean): Promise<void> {
    await this.shards.markFinished(scanId, seq, cancelled ? 'cancelled' : 'failed', this.clock.now(), reason);
  }

  /** Stored targets are checked again at run time: the allowlist may have narrowed since planning. */
  private checkedTargets(stored: readonly string[]): Target[] {
    const networks = this.config.scan.allowedNetworks.map(parseNetwork);
    return stored.map((text) => {
      const parsed = parseTarget(text);
      if (!parsed.ok || parsed.target.kind === 'hostname' || !targetWithinNetworks(parsed.target, networks)) {
        throw new DriftwatchError(
          ErrorCode.TargetNotAllowed,
          `target ${text} is outside SCAN_ALLOWED_NETWORKS`,
        );
      }
      return parsed.target;
    });
  }
}

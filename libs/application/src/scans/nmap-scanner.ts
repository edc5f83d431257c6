import { Injectable, Logger } from '@nestjs/common';

import {
  DriftwatchError,
  ErrorCode,
  type HostDiscovery,
  type PortRange,
  type Target,
} from '@driftwatch/core';
import { AppConfig } from '@driftwatch/config';
import {
  type NmapProgress,
  type NmapProgressListener,
  NmapRunner,
  type NmapRunResult,
  nmapVersion,
  parentDeathLauncher,
} from '@driftwatch/nmap';
import type { NseScript } from '@driftwatch/nmap/nmap-arguments';

/**
 * A scope's own settings for its scans; null or absent: the deployment's defaults
 * (NMAP_HOST_TIMEOUT_SECONDS, SCAN_TIMEOUT_MS) and nmap's host discovery.
 */
export interface ScanLimits {
  hostTimeoutSeconds?: number | null;
  scanTimeoutSeconds?: number | null;
  hostDiscovery?: HostDiscovery;
}

/** nmap behind an injectable class: flags come from configuration, never from users. */
@Injectable()
export class NmapScanner {
  private readonly logger = new Logger(NmapScanner.name);
  private runner?: Promise<NmapRunner>;

  constructor(private readonly config: AppConfig) {}

  /** Built at the first scan: finding out whether nmap can die with its worker takes a process. */
  private runnerOnce(): Promise<NmapRunner> {
    this.runner ??= parentDeathLauncher().then((launcher) => {
      if (!launcher) {
        this.logger.warn(
          'setpriv --pdeathsig (util-linux) cannot be run here: an nmap run outlives a worker killed with SIGKILL',
        );
      }
      return new NmapRunner({ binary: this.config.nmap.binary, ...(launcher && { launcher }) });
    });
    return this.runner;
  }

  /**
   * nmap scans one address family per run: IPv4 and IPv6 targets run one after the other, merged.
   * `onProgress` hears nmap's progress while it runs; its steps keep counting across both runs.
   */
  async scan(
    targets: readonly Target[],
    ports: readonly PortRange[],
    scripts: readonly NseScript[],
    signal?: AbortSignal,
    onProgress?: NmapProgressListener,
    limits: ScanLimits = {},
  ): Promise<NmapRunResult> {
    const v4 = targets.filter((t) => t.kind === 'ipv4' || t.kind === 'cidr4');
    const v6 = targets.filter((t) => t.kind === 'ipv6' || t.kind === 'cidr6');
    const runs: NmapRunResult[] = [];
    let earlierSteps = 0;
    for (const group of [v4, v6]) {
      if (group.length === 0) continue;
      let steps = 0;
      const offset = earlierSteps;
      const report =
        onProgress &&
        ((p: NmapProgress) => {
          steps = p.step;
          onProgress({ ...p, step: p.step + offset });
        });
      runs.push(await this.run(group, ports, scripts, signal, report, limits));
      earlierSteps += steps;
    }
    const [first, ...rest] = runs;
    if (!first) throw new DriftwatchError(ErrorCode.ValidationFailed, 'no address targets to scan');
    return rest.reduce(
      (merged, r) => ({
        observation: {
          run: {
            ...merged.observation.run,
            finishedAt: r.observation.run.finishedAt,
            hostsUp: merged.observation.run.hostsUp + r.observation.run.hostsUp,
            hostsDown: merged.observation.run.hostsDown + r.observation.run.hostsDown,
            hostsTotal: merged.observation.run.hostsTotal + r.observation.run.hostsTotal,
          },
          hosts: [...merged.observation.hosts, ...r.observation.hosts],
        },
        warnings: [...merged.warnings, ...r.warnings],
        exitCode: Math.max(merged.exitCode, r.exitCode),
        durationMs: merged.durationMs + r.durationMs,
      }),
      first,
    );
  }

  private async run(
    targets: readonly Target[],
    ports: readonly PortRange[],
    scripts: readonly NseScript[],
    signal: AbortSignal | undefined,
    onProgress: NmapProgressListener | undefined,
    limits: ScanLimits,
  ): Promise<NmapRunResult> {
    const { nmap } = this.config;
    const runner = await this.runnerOnce();
    return runner.run(
      targets,
      {
        ports: [...ports],
        technique: nmap.technique,
        serviceDetection: true,
        reverseDns: nmap.reverseDns,
        skipHostDiscovery: limits.hostDiscovery === 'none',
        hostTimeoutSeconds: limits.hostTimeoutSeconds ?? nmap.hostTimeoutSeconds,
        timing: 4,
        scripts,
        ...(onProgress && { statsEverySeconds: this.config.scan.statsEverySeconds }),
      },
      {
        signal,
        timeoutMs: limits.scanTimeoutSeconds ? limits.scanTimeoutSeconds * 1000 : nmap.scanTimeoutMs,
        onProgress,
      },
    );
  }

  async version(): Promise<string | null> {
    return nmapVersion(this.config.nmap.binary);
  }
}

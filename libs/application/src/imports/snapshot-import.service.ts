import { Readable } from 'node:stream';

import { Injectable } from '@nestjs/common';

import {
  type AuditActor,
  addressWithinNetworks,
  DriftwatchError,
  type FieldError,
  type HostObservation,
  type Network,
  parseNetwork,
  parseTarget,
  primaryAddress,
} from '@driftwatch/core';
import { AppConfig } from '@driftwatch/config';
import { parseNmapXml } from '@driftwatch/nmap';
import { withPortFacts } from '@driftwatch/nmap/facts';
import { ScanRepository, ScopeRepository } from '@driftwatch/persistence';
import { ScanQueue } from '@driftwatch/queue';

import { Clock, FUTURE_SKEW_MS } from '@driftwatch/application/common/clock';
import { scopeNotFound } from '@driftwatch/application/scopes/scope-not-found';
import { duplicateWarnings, SnapshotWriter } from '@driftwatch/application/scans/snapshot-writer.service';
import { setAsideTimedOut } from '@driftwatch/application/scans/timed-out-hosts';

import type { SnapshotImportedDto } from './snapshot-import.dto';

/** The largest nmap XML document the API accepts (a /16 with service detection is ~110 MB). */
export const IMPORT_MAX_BYTES = 128 * 1024 * 1024;

/**
 * nmap XML produced elsewhere enters the same pipeline as a scan: snapshot, state intervals and
 * drift in one transaction, then policy evaluation. Everything is checked before anything is
 * stored: the XML parses completely, and every host lies inside the scope's targets.
 */
@Injectable()
export class SnapshotImportService {
  constructor(
    private readonly scopes: ScopeRepository,
    private readonly scans: ScanRepository,
    private readonly writer: SnapshotWriter,
    private readonly queue: ScanQueue,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async importXml(scopeId: string, xml: Buffer, actor: AuditActor): Promise<SnapshotImportedDto> {
    const scope = await this.scopes.findLive(scopeId);
    if (!scope) throw scopeNotFound(scopeId);
    const observation = await parseNmapXml(Readable.from([xml]), { maxBytes: IMPORT_MAX_BYTES });
    if (observation.run.exit === 'error') {
      throw DriftwatchError.validation([
        {
          field: 'body',
          reason: `the nmap run ended in error: ${observation.run.errorMessage ?? 'no message'}`,
        },
      ]);
    }
    const outside = hostsOutsideScope(observation.hosts, scope.targets, this.config.scan.allowedNetworks);
    if (outside.length > 0) throw DriftwatchError.validation(outside);

    const { observed, timedOut, warnings: timeouts } = setAsideTimedOut(observation.hosts);
    const hosts = withPortFacts(observed);
    const now = this.clock.now();
    const finishedAt = observation.run.finishedAt ? new Date(observation.run.finishedAt) : now;
    // A file without a start time (a truncated or hand-made document) started when it finished,
    // as far as anyone can tell: not at the moment of its upload, which would come after its end.
    const startedAt = observation.run.startedAt ? new Date(observation.run.startedAt) : finishedAt;
    const warnings = [...runClockWarnings(startedAt, finishedAt), ...timeouts];
    // Within the skew allowed, a run that ends after its receipt is dated at its receipt: a moment
    // after "now" would hide the scope's newest snapshot from every view as of now.
    const takenAt = finishedAt.getTime() > now.getTime() ? now : finishedAt;
    if (takenAt !== finishedAt)
      warnings.push(
        `nmap recorded its end (${finishedAt.toISOString()}) ${(finishedAt.getTime() - now.getTime()) / 1000} s ` +
          `after this server received it (${now.toISOString()}): the scanning machine's clock is ahead, so ` +
          'the snapshot is dated at its receipt',
      );
    const future = [
      { field: 'body.nmaprun.start', at: startedAt },
      { field: 'body.runstats.finished.time', at: finishedAt },
    ].filter(({ at }) => at.getTime() > now.getTime() + FUTURE_SKEW_MS);
    if (future.length > 0) {
      throw DriftwatchError.validation(
        future.map(({ field, at }) => ({
          field,
          reason: `is in the future (${at.toISOString()}; this server's time is ${now.toISOString()})`,
        })),
      );
    }
    let scanId = '';
    const { snapshotId, duplicates } = await this.writer.store(
      scope,
      async (manager) => {
        scanId = (
          await this.scans.createImported(
            scope.id,
            scope.vantage,
            { startedAt, finishedAt, at: now },
            actor.name,
            warnings,
            manager,
          )
        ).id;
        return scanId;
      },
      { run: observation.run, hosts },
      takenAt,
      async ({ snapshotId: id, duplicates }, manager) => {
        await this.scans.attachSnapshot(scanId, id, [...warnings, ...duplicateWarnings(duplicates)], manager);
        // Inside the transaction: if Redis refuses the job, nothing is stored (503). A worker that
        // takes the job before the commit waits for it (SnapshotRepository.findCommitted).
        await this.queue.enqueueEvaluation(scanId, id);
      },
      { actor, missingTargets: timedOut },
    );
    // Hosts as stored: a host the file reports twice is one host (its last report).
    return { scanId, snapshotId, hosts: hosts.length - duplicates.length, status: 'evaluating' };
  }
}

/**
 * nmap stamps its start and its end with the clock of the machine it ran on; if that clock was
 * stepped back during the run, the end comes first (zenmap's own test corpus has such a file).
 * The evidence is kept as recorded, and the scan says why its duration is unknown.
 */
export function runClockWarnings(startedAt: Date, finishedAt: Date): string[] {
  const early = startedAt.getTime() - finishedAt.getTime();
  if (early <= 0) return [];
  return [
    `nmap recorded its end (${finishedAt.toISOString()}) ${early / 1000} s before its start ` +
      `(${startedAt.toISOString()}): the scanning machine's clock moved back during the run, so the ` +
      'duration is unknown',
  ];
}

/**
 * Hosts the scope does not cover: an import may not bring in another network's evidence. Every
 * address must lie inside SCAN_ALLOWED_NETWORKS, as a scan's targets must, and inside the scope's
 * networks or carry one of its hostname targets as nmap records a name it was asked to scan
 * (type "user"): a PTR name is whatever the address's reverse DNS says, and would let any
 * address in by naming itself after a target.
 */
export function hostsOutsideScope(
  hosts: readonly HostObservation[],
  targets: readonly string[],
  allowedNetworks: readonly string[],
): FieldError[] {
  const allowed = allowedNetworks.map(parseNetwork);
  const networks: Network[] = [];
  const names = new Set<string>();
  for (const target of targets) {
    const parsed = parseTarget(target);
    if (!parsed.ok) continue;
    if (parsed.target.kind === 'hostname') names.add(parsed.target.value);
    else networks.push(parseNetwork(parsed.target.value));
  }
  const errors: FieldError[] = [];
  hosts.forEach((host, i) => {
    const address = primaryAddress(host);
    if (address === undefined || !addressWithinNetworks(address, allowed)) {
      errors.push({
        field: `hosts[${i}]`,
        reason: `${address ?? 'a host without an address'} is outside SCAN_ALLOWED_NETWORKS`,
      });
      return;
    }
    const inside =
      addressWithinNetworks(address, networks) ||
      host.hostnames.some((h) => h.type === 'user' && names.has(h.name.toLowerCase()));
    if (!inside) {
      errors.push({ field: `hosts[${i}]`, reason: `${address} is not covered by the scope's targets` });
    }
  });
  return errors.slice(0, 20);
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { addressWithinNetworks, assembleHosts, type HostObservation, parseNetwork } from '@driftwatch/core';
import { withPortFacts } from '@driftwatch/nmap/facts';
import {
  HostObservationRepository,
  ObservationRepository,
  type SnapshotEntity,
} from '@driftwatch/persistence';

/**
 * Reads snapshot content back from the state intervals: the hosts and ports open at the
 * snapshot's sequence number, minus what an incomplete snapshot did not observe, with the
 * typed facts derived again from the stored script output.
 */
@Injectable()
export class SnapshotContent {
  constructor(
    private readonly hostIntervals: HostObservationRepository,
    private readonly portIntervals: ObservationRepository,
  ) {}

  async hostsOf(
    snapshot: Pick<SnapshotEntity, 'scopeId' | 'seq' | 'missingTargets'>,
    manager?: EntityManager,
  ): Promise<HostObservation[]> {
    return withPortFacts(await this.storedHostsOf(snapshot, manager));
  }

  /**
   * The snapshot's content exactly as stored and hashed: canonical hosts without the facts derived
   * from script output (what a re-hash and the evidence bundle read; deriving them costs seconds
   * on a large snapshot).
   */
  async storedHostsOf(
    snapshot: Pick<SnapshotEntity, 'scopeId' | 'seq' | 'missingTargets'>,
    manager?: EntityManager,
  ): Promise<HostObservation[]> {
    const [hosts, ports] = await Promise.all([
      this.hostIntervals.rowsAt(snapshot.scopeId, snapshot.seq, manager),
      this.portIntervals.rowsAt(snapshot.scopeId, snapshot.seq, manager),
    ]);
    const missing = snapshot.missingTargets.map(parseNetwork);
    const observed = (row: { address: string }) =>
      missing.length === 0 || !addressWithinNetworks(row.address, missing);
    return assembleHosts(hosts.filter(observed), ports.filter(observed));
  }

  /** The scope's current state for some addresses (all when null), as of the latest snapshot. */
  async currentHosts(
    scopeId: string,
    addresses: readonly string[] | null,
    manager: EntityManager,
  ): Promise<HostObservation[]> {
    const hosts = await this.hostIntervals.openRows(scopeId, addresses, manager);
    const ports = await this.portIntervals.openRows(scopeId, addresses, manager);
    return withPortFacts(assembleHosts(hosts, ports));
  }
}

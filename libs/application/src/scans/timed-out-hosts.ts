import { type HostObservation, primaryAddress } from '@driftwatch/core';

/** Hosts nmap gave up on, set aside from those it observed. */
export interface TimedOutHosts {
  /** The hosts to store. */
  observed: HostObservation[];
  /** Addresses of the hosts nmap gave up on: targets not observed (missingTargets). */
  timedOut: string[];
  warnings: string[];
}

/**
 * A host nmap gave up on (--host-timeout) comes back up with no ports at all: stored, its ports
 * would read as closed, drift would report them removed and their findings would resolve while
 * the network did not change. It was not observed: its address joins the snapshot's missing
 * targets (its intervals stay open, its last known state stands, its findings are not judged),
 * and the scan says why.
 */
export function setAsideTimedOut(hosts: readonly HostObservation[]): TimedOutHosts {
  const observed: HostObservation[] = [];
  const timedOut: string[] = [];
  for (const host of hosts) {
    const address = host.timedOut ? primaryAddress(host) : undefined;
    if (address === undefined) {
      observed.push(host);
      continue;
    }
    timedOut.push(address);
  }
  const warnings = timedOut.map(
    (address) =>
      `nmap gave up on ${address} (host timeout) before it had scanned its ports: not observed, its last known state is kept`,
  );
  return { observed, timedOut, warnings };
}

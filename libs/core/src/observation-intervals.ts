import { contentHash } from './canonical-json';
import type { HostObservation } from './snapshot.model';
import { primaryAddress } from './snapshot.model';

/** One port of one host as stored in a state interval. */
export interface ObservationRecord {
  address: string;
  protocol: string;
  port: number;
  state: string;
  attributes: Record<string, unknown>;
  attributesHash: string;
}

export interface OpenInterval {
  id: string;
  address: string;
  protocol: string;
  port: number;
  attributesHash: string;
}

export interface IntervalPlan {
  /** Intervals that ended: the port changed or vanished. */
  close: string[];
  /** Intervals that begin with this snapshot. */
  open: ObservationRecord[];
}

const keyOf = (r: { address: string; protocol: string; port: number }): string =>
  `${r.address}|${r.protocol}|${r.port}`;

/** Flatten a snapshot's hosts into one record per reported port of every host that is up. */
export function observationRecords(hosts: readonly HostObservation[]): ObservationRecord[] {
  const records = new Map<string, ObservationRecord>();
  for (const host of hosts) {
    const address = primaryAddress(host);
    if (!address || host.status !== 'up') continue;
    for (const port of host.ports) {
      const attributes = {
        state: port.state,
        reason: port.reason,
        service: port.service,
        scripts: port.scripts,
      };
      const record: ObservationRecord = {
        address,
        protocol: port.protocol,
        port: port.port,
        state: port.state,
        attributes,
        attributesHash: contentHash(attributes),
      };
      records.set(keyOf(record), record);
    }
  }
  return [...records.values()];
}

/**
 * What a new snapshot does to the open intervals: unchanged ports cost nothing, a changed
 * port closes its interval and opens a new one, a vanished port closes its interval.
 */
export function planIntervals(
  current: readonly OpenInterval[],
  next: readonly ObservationRecord[],
): IntervalPlan {
  const byKey = new Map(current.map((c) => [keyOf(c), c]));
  const plan: IntervalPlan = { close: [], open: [] };
  const seen = new Set<string>();
  for (const record of next) {
    const key = keyOf(record);
    seen.add(key);
    const existing = byKey.get(key);
    if (existing && existing.attributesHash === record.attributesHash) continue;
    if (existing) plan.close.push(existing.id);
    plan.open.push(record);
  }
  for (const [key, interval] of byKey) if (!seen.has(key)) plan.close.push(interval.id);
  return plan;
}

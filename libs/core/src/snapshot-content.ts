import { compareAddresses } from './address-order';
import { contentHash, ListContentHash } from './canonical-json';
import { DriftwatchError } from './errors';
import { comparableOutput } from './script-output';
import type { ObservationRecord } from './observation-intervals';
import type { HostAddress, HostObservation, PortObservation, ScriptResult } from './snapshot.model';

/**
 * A snapshot's content as it is stored and hashed: one host per primary address, hosts in
 * address order, ports in (protocol, port) order, without per-host timing and per-request script
 * lines such as the HTTP Date header (they differ on every scan; keeping them would make every
 * rescan a change). Storage keeps this content as
 * state intervals and rebuilds it from them, so this form is what round-trips exactly.
 */
export interface CanonicalContent {
  hosts: HostObservation[];
  /** Addresses nmap reported more than once; the last report of each is kept. */
  duplicates: string[];
}

/** Host-level state of one host: everything but its ports and timing. */
export type HostAttributes = Omit<HostObservation, 'ports' | 'startTime' | 'endTime'>;

export interface HostRecord {
  address: string;
  attributes: HostAttributes;
  attributesHash: string;
}

/** Port attributes as stored in a port interval; protocol, port and address are its key. */
export type PortAttributes = Pick<PortObservation, 'state' | 'reason' | 'service' | 'scripts'>;

export function canonicalContent(hosts: readonly HostObservation[]): CanonicalContent {
  const byAddress = new Map<string, { ref: HostAddress; host: HostObservation }>();
  const duplicates: string[] = [];
  hosts.forEach((host, i) => {
    const ref = primaryRef(host);
    if (!ref) {
      throw DriftwatchError.validation([
        { field: `hosts[${i}].addresses`, reason: 'a host needs at least one address to be stored' },
      ]);
    }
    if (byAddress.has(ref.addr)) duplicates.push(ref.addr);
    byAddress.set(ref.addr, { ref, host: canonicalHost(host) });
  });
  const sorted = [...byAddress.values()].sort((a, b) => compareAddresses(a.ref, b.ref));
  return { hosts: sorted.map((e) => e.host), duplicates };
}

/** One record per host (any status), keyed by its primary address. */
export function hostRecords(hosts: readonly HostObservation[]): HostRecord[] {
  return hosts.map((host) => {
    const { ports: _p, startTime: _s, endTime: _e, ...attributes } = host;
    const address = primaryRef(host)?.addr ?? '';
    return { address, attributes, attributesHash: contentHash(attributes) };
  });
}

export interface StoredHostRow {
  address: string;
  attributes: HostAttributes;
}
export interface StoredPortRow {
  address: string;
  protocol: string;
  port: number;
  attributes: PortAttributes;
}

/**
 * Rebuilds canonical hosts from stored intervals (host rows and port rows of one moment).
 * Derived facts (TLS, SSH, HTTP) are not stored; the caller derives them again from the scripts.
 */
export function assembleHosts(
  hostRows: readonly StoredHostRow[],
  portRows: readonly StoredPortRow[],
): HostObservation[] {
  const ports = new Map<string, PortObservation[]>();
  for (const row of portRows) {
    const list = ports.get(row.address) ?? [];
    list.push({
      protocol: row.protocol as PortObservation['protocol'],
      port: row.port,
      ...row.attributes,
    });
    ports.set(row.address, list);
  }
  const hosts = hostRows.map((row) => ({
    ...row.attributes,
    ports: (ports.get(row.address) ?? []).sort(comparePorts),
  }));
  return canonicalContent(hosts).hosts;
}

/**
 * The content hash of a snapshot: its canonical hosts as stored, i.e. without the facts derived
 * from script output (TLS, SSH, HTTP), which are recomputed when the content is read. So the hash
 * can always be checked against what storage holds, whichever parser version derived the facts.
 */
export function snapshotContentHash(hosts: readonly HostObservation[]): string {
  // Host by host: the same sha256 as contentHash of the list, without its canonical JSON as one
  // string (hundreds of megabytes for tens of thousands of hosts with script output).
  const hash = new ListContentHash();
  for (const host of hosts) hash.add(storedHost(host));
  return hash.digest();
}

/** A host as its content is stored and hashed: each port without the derived TLS, SSH and HTTP facts. */
export function storedHost(host: HostObservation): HostObservation {
  return {
    ...host,
    ports: host.ports.map(({ protocol, port, state, reason, service, scripts }) => ({
      protocol,
      port,
      state,
      reason,
      service,
      scripts,
    })),
  };
}

/** The primary address (as `primaryAddress`) with its family, for ordering. */
function primaryRef(host: HostObservation): HostAddress | undefined {
  return (
    host.addresses.find((a) => a.type === 'ipv4') ??
    host.addresses.find((a) => a.type === 'ipv6') ??
    host.addresses[0]
  );
}

function canonicalHost(host: HostObservation): HostObservation {
  const { startTime: _s, endTime: _e, ...rest } = host;
  const ports = new Map<string, PortObservation>();
  for (const port of host.ports)
    ports.set(`${port.protocol}/${port.port}`, { ...port, scripts: canonicalScripts(port.scripts) });
  return { ...rest, scripts: canonicalScripts(host.scripts), ports: [...ports.values()].sort(comparePorts) };
}

/** NSE scripts finish in no fixed order: sorted by id, without their per-request lines. */
function canonicalScripts(scripts: readonly ScriptResult[]): ScriptResult[] {
  return scripts
    .map((s) => ({ ...s, output: comparableOutput(s.id, s.output) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function comparePorts(a: PortObservation, b: PortObservation): number {
  return a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port;
}

/** Ports as interval records: one per port of every host, with the attributes that are stored. */
export function portRecords(hosts: readonly HostObservation[]): ObservationRecord[] {
  const records: ObservationRecord[] = [];
  for (const host of hosts) {
    const address = primaryRef(host)?.addr;
    if (!address) continue;
    for (const port of host.ports) {
      const attributes: PortAttributes = {
        state: port.state,
        reason: port.reason,
        service: port.service,
        scripts: port.scripts,
      };
      records.push({
        address,
        protocol: port.protocol,
        port: port.port,
        state: port.state,
        attributes,
        attributesHash: contentHash(attributes),
      });
    }
  }
  return records;
}

import {
  canonicalJson,
  type ExtraPorts,
  type HostObservation,
  type HttpFacts,
  type NetworkObservation,
  type PortObservation,
  type Protocol,
  type ScriptResult,
  type ServiceInfo,
} from '@driftwatch/core';

import { compareAddresses, identityAddress } from './address-order';
import {
  type AddressRef,
  type Change,
  CHANGE_TYPES,
  type HostSummary,
  type ListedPort,
  type ScriptOutput,
  type ServiceFields,
} from './change.model';
import { comparableOutput, without } from './script-output';

/**
 * Everything that changed from `before` to `after`, in a deterministic order: by host address
 * (IPv4, IPv6, MAC; numerically), host-level changes first, then by port, protocol and type.
 * Pure: no I/O, and the inputs are not modified. Semantics follow nmap's ndiff, with the
 * deliberate differences recorded in docs/decisions/0005-drift-model.md.
 */
export function diffObservations(before: NetworkObservation, after: NetworkObservation): Change[] {
  const out: Sortable[] = [];
  const a = indexHosts(before.hosts);
  const b = indexHosts(after.hosts);
  for (const [key, hostsA] of a) {
    const hostsB = b.get(key) ?? [];
    for (let i = 0; i < Math.max(hostsA.length, hostsB.length); i++) {
      diffHost(hostsA[i], hostsB[i], out);
    }
  }
  for (const [key, hostsB] of b) {
    if (!a.has(key)) for (const host of hostsB) diffHost(undefined, host, out);
  }
  return out.sort(compareSortable).map((s) => s.change);
}

interface IdentifiedHost {
  host: HostObservation;
  ref?: AddressRef;
  /** The `address` of its changes: the identity address, else its first host name. */
  display: string;
}

interface Sortable {
  change: Change;
  ref?: AddressRef;
  display: string;
  seq: number;
}

/** Hosts by identity, in document order (a scan listing one address twice pairs them in order). */
function indexHosts(hosts: HostObservation[]): Map<string, IdentifiedHost[]> {
  const index = new Map<string, IdentifiedHost[]>();
  hosts.forEach((host, i) => {
    const address = identityAddress(host);
    const hostname = [...host.hostnames.map((h) => h.name)].sort()[0];
    const ref = address ? { addr: address.addr, type: address.type } : undefined;
    // ndiff falls back to the host name, and pairs a host with neither with nothing.
    const key = ref ? `${ref.type} ${ref.addr}` : hostname !== undefined ? `name ${hostname}` : `#${i}`;
    const entry: IdentifiedHost = { host, display: ref?.addr ?? hostname ?? '' };
    if (ref) entry.ref = ref;
    const list = index.get(key);
    if (list) list.push(entry);
    else index.set(key, [entry]);
  });
  return index;
}

function diffHost(a: IdentifiedHost | undefined, b: IdentifiedHost | undefined, out: Sortable[]): void {
  const id = a ?? b;
  if (!id) return;
  const address = id.display;
  const push = (change: Change) =>
    out.push({ change, display: address, seq: out.length, ...(id.ref ? { ref: id.ref } : {}) });
  if (!a || !b) {
    if (b) push({ type: 'host-appeared', address, after: summarise(b.host) });
    if (a) push({ type: 'host-removed', address, before: summarise(a.host) });
    return;
  }
  const x = a.host;
  const y = b.host;
  if (x.status !== y.status)
    push({ type: 'host-status-changed', address, before: { status: x.status }, after: { status: y.status } });

  const addrsA = addressRefs(x);
  const addrsB = addressRefs(y);
  if (!sameSet(addrsA.map(addrKey), addrsB.map(addrKey)))
    push({
      type: 'host-address-changed',
      address,
      before: { addresses: addrsA },
      after: { addresses: addrsB },
    });

  const namesA = hostnames(x);
  const namesB = hostnames(y);
  if (!sameSet(namesA, namesB))
    push({ type: 'hostname-changed', address, before: { hostnames: namesA }, after: { hostnames: namesB } });

  const osA = x.os.map((o) => o.name);
  const osB = y.os.map((o) => o.name);
  if (!sameList(osA, osB)) push({ type: 'os-changed', address, before: { os: osA }, after: { os: osB } });

  const extraA = extraPorts(x.extraPorts);
  const extraB = extraPorts(y.extraPorts);
  const extraKey = (e: ExtraPorts) => `${e.state} ${e.count}`;
  if (!sameList(extraA.map(extraKey).sort(), extraB.map(extraKey).sort()))
    push({
      type: 'host-extraports-changed',
      address,
      before: { extraPorts: extraA },
      after: { extraPorts: extraB },
    });

  for (const d of diffScripts(x.scripts, y.scripts)) push({ type: 'host-script-changed', address, ...d });

  for (const change of diffPorts(address, x, y)) push(change);
}

function diffPorts(address: string, x: HostObservation, y: HostObservation): Change[] {
  const changes: Change[] = [];
  const portsA = portMap(x.ports);
  const portsB = portMap(y.ports);
  const extraA = new Set(x.extraPorts.map((e) => e.state));
  const extraB = new Set(y.extraPorts.map((e) => e.state));
  const soleA = extraA.size === 1 ? [...extraA][0] : undefined;
  const soleB = extraB.size === 1 ? [...extraB][0] : undefined;
  for (const key of new Set([...portsA.keys(), ...portsB.keys()])) {
    const pa = portsA.get(key);
    const pb = portsB.get(key);
    // ndiff's include_diff: a port that is, on both sides, unlisted or in a state that side
    // summarises as extraports is never a change.
    if ((!pa || extraA.has(pa.state)) && (!pb || extraB.has(pb.state))) continue;
    const spec = (pa ?? pb) as PortObservation;
    const at = { address, port: spec.port, protocol: spec.protocol };
    if (pa && pb) {
      if (pa.state !== pb.state)
        changes.push({
          type: 'port-state-changed',
          ...at,
          before: { state: pa.state },
          after: { state: pb.state },
        });
      const sa = serviceFields(pa.service);
      const sb = serviceFields(pb.service);
      if (!sameService(sa, sb)) changes.push({ type: 'service-changed', ...at, before: sa, after: sb });
      for (const d of diffScripts(pa.scripts, pb.scripts))
        changes.push({ type: 'port-script-changed', ...at, ...d });
      changes.push(...diffFacts(at, pa, pb));
    } else if (pa) {
      // Unlisted now: if the later scan summarises one state only, that is the port's state.
      if (soleB === pa.state) continue;
      changes.push({
        type: 'port-removed',
        ...at,
        before: listed(pa),
        ...(soleB !== undefined ? { after: { state: soleB } } : {}),
      });
    } else if (pb) {
      if (soleA === pb.state) continue;
      changes.push({
        type: 'port-added',
        ...at,
        ...(soleA !== undefined ? { before: { state: soleA } } : {}),
        after: listed(pb),
      });
    }
  }
  return changes;
}

/**
 * Typed facts that differ (only present when the caller derived them, as the worker does).
 * HTTP facts are compared without the per-request Date header, like the script output.
 */
function diffFacts(
  at: { address: string; port: number; protocol: Protocol },
  a: PortObservation,
  b: PortObservation,
): Change[] {
  const changes: Change[] = [];
  const differ = (x: unknown, y: unknown) => canonicalJson(x ?? null) !== canonicalJson(y ?? null);
  if (differ(a.tls, b.tls))
    changes.push({
      type: 'port-tls-changed',
      ...at,
      ...(a.tls && { before: a.tls }),
      ...(b.tls && { after: b.tls }),
    });
  if (differ(a.ssh, b.ssh))
    changes.push({
      type: 'port-ssh-changed',
      ...at,
      ...(a.ssh && { before: a.ssh }),
      ...(b.ssh && { after: b.ssh }),
    });
  if (differ(withoutDate(a.http), withoutDate(b.http)))
    changes.push({
      type: 'port-http-changed',
      ...at,
      ...(a.http && { before: a.http }),
      ...(b.http && { after: b.http }),
    });
  return changes;
}

function withoutDate(http: HttpFacts | undefined): HttpFacts | undefined {
  return http && { ...http, headers: http.headers.filter((h) => h.name.toLowerCase() !== 'date') };
}

/** Ports by spec; a spec listed twice keeps the last, like ndiff. */
function portMap(ports: PortObservation[]): Map<string, PortObservation> {
  return new Map(ports.map((p) => [`${p.protocol}/${p.port}`, p]));
}

function listed(port: PortObservation): ListedPort {
  const service = serviceFields(port.service);
  return Object.keys(service).length > 0 ? { state: port.state, service } : { state: port.state };
}

const SERVICE_FIELDS = ['name', 'product', 'version', 'extraInfo', 'tunnel'] as const;

function serviceFields(service: ServiceInfo | undefined): ServiceFields {
  const fields: ServiceFields = {};
  for (const field of SERVICE_FIELDS) {
    const value = service?.[field];
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

function sameService(a: ServiceFields, b: ServiceFields): boolean {
  return SERVICE_FIELDS.every((field) => a[field] === b[field]);
}

/**
 * Script results compared per id, like ndiff: added, removed, or the same id with another
 * output. Equal outputs cancel first, so a repeated id pairs only what really differs.
 * Outputs are compared without their per-request lines (comparableOutput: the Date header of
 * http-headers), and reported as nmap printed them.
 */
function diffScripts(
  a: ScriptResult[],
  b: ScriptResult[],
): { before?: ScriptOutput; after?: ScriptOutput }[] {
  const diffs: { before?: ScriptOutput; after?: ScriptOutput }[] = [];
  const ids = [...new Set([...a, ...b].map((s) => s.id))].sort(compareStrings);
  for (const id of ids) {
    const left = a.filter((s) => s.id === id).map((s) => s.output);
    const right = b.filter((s) => s.id === id).map((s) => s.output);
    const gone = withoutComparable(id, left, right);
    const come = withoutComparable(id, right, left);
    for (let i = 0; i < Math.max(gone.length, come.length); i++) {
      const before = gone[i];
      const after = come[i];
      diffs.push({
        ...(before !== undefined ? { before: { id, output: before } } : {}),
        ...(after !== undefined ? { after: { id, output: after } } : {}),
      });
    }
  }
  return diffs;
}

/** The outputs of `from` whose comparable form is not matched in `remove` (a multiset). */
function withoutComparable(id: string, from: string[], remove: string[]): string[] {
  const keys = without(
    from.map((o) => comparableOutput(id, o)),
    remove.map((o) => comparableOutput(id, o)),
  );
  return from.filter((o) => {
    const i = keys.indexOf(comparableOutput(id, o));
    if (i < 0) return false;
    keys.splice(i, 1);
    return true;
  });
}

function summarise(host: HostObservation): HostSummary {
  const extra = new Set(host.extraPorts.map((e) => e.state));
  const ports = [...portMap(host.ports).values()]
    .filter((p) => !extra.has(p.state))
    .sort((p, q) => p.port - q.port || compareStrings(p.protocol, q.protocol))
    .map((p) => ({ protocol: p.protocol, port: p.port, ...listed(p) }));
  return {
    status: host.status,
    addresses: addressRefs(host),
    hostnames: hostnames(host),
    ports,
    extraPorts: extraPorts(host.extraPorts),
    os: host.os.map((o) => o.name),
    scripts: host.scripts.map((s) => ({ id: s.id, output: s.output })),
  };
}

function addressRefs(host: HostObservation): AddressRef[] {
  const seen = new Map(host.addresses.map((a) => [addrKey(a), { addr: a.addr, type: a.type }]));
  return [...seen.values()].sort(compareAddresses);
}

function addrKey(a: AddressRef): string {
  return `${a.type} ${a.addr}`;
}

function hostnames(host: HostObservation): string[] {
  return [...new Set(host.hostnames.map((h) => h.name))].sort(compareStrings);
}

function extraPorts(extra: ExtraPorts[]): ExtraPorts[] {
  return extra.map((e) => ({ state: e.state, count: e.count }));
}

function sameSet(a: string[], b: string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const TYPE_RANK = new Map<string, number>(CHANGE_TYPES.map((t, i) => [t, i]));

function compareSortable(x: Sortable, y: Sortable): number {
  const cx = x.change;
  const cy = y.change;
  return (
    compareRefs(x, y) ||
    portOf(cx) - portOf(cy) ||
    compareStrings(protocolOf(cx), protocolOf(cy)) ||
    (TYPE_RANK.get(cx.type) ?? 0) - (TYPE_RANK.get(cy.type) ?? 0) ||
    compareStrings(scriptIdOf(cx), scriptIdOf(cy)) ||
    x.seq - y.seq
  );
}

function compareRefs(x: Sortable, y: Sortable): number {
  if (x.ref && y.ref) return compareAddresses(x.ref, y.ref);
  if (x.ref || y.ref) return x.ref ? -1 : 1; // hosts known only by name last
  return compareStrings(x.display, y.display);
}

function portOf(change: Change): number {
  return 'port' in change ? change.port : -1;
}

function protocolOf(change: Change): Protocol | '' {
  return 'protocol' in change ? change.protocol : '';
}

function scriptIdOf(change: Change): string {
  if (change.type !== 'host-script-changed' && change.type !== 'port-script-changed') return '';
  return change.before?.id ?? change.after?.id ?? '';
}

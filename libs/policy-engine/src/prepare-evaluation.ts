import {
  DriftwatchError,
  type HostObservation,
  type PortObservation,
  primaryAddress,
} from '@driftwatch/core';
import { isPortChange } from '@driftwatch/drift';
import {
  canonicalAddress,
  EMPTY_CONTEXT,
  type PolicyContext,
  portKeySet,
  type RoleView,
  ZoneIndex,
} from './policy-context';
import type {
  EvaluationInput,
  Placement,
  PreparedEvaluation,
  SnapshotVisitor,
  Subject,
  SubjectKind,
} from './policy.model';

// A host nmap reported without any address still has its ports judged rather than dropped.
export const NO_ADDRESS = 'unknown';

/** Derives, once per evaluation, what every rule shares: placement of addresses and subjects. */
export function prepareEvaluation(input: EvaluationInput): PreparedEvaluation {
  checkInput(input);
  const context: PolicyContext = { ...EMPTY_CONTEXT, ...input.context };
  const now = input.now.toISOString();
  const placement = placer(input, context);
  const built = new Map<SubjectKind, readonly Subject[]>();
  const vantageZone = new ZoneIndex(context.zones).view(input.snapshot.scope.vantage);
  const base = (address: string): Omit<Subject, 'kind'> => {
    const place = placement(address);
    return {
      address,
      scope: input.snapshot.scope,
      ...(place.zone ? { zone: place.zone } : {}),
      ...(vantageZone ? { vantageZone } : {}),
      ...(place.asset ? { asset: place.asset } : {}),
      ...(place.role ? { role: place.role } : {}),
      approvedPorts: place.approvedPorts,
      now,
    };
  };
  const build = (kind: SubjectKind): Subject[] => {
    switch (kind) {
      case 'host':
        return input.snapshot.hosts.map((host) => ({ kind, ...base(addressOf(host)), host }));
      case 'service':
      case 'tls':
      case 'ssh':
      case 'http':
        return portSubjects(input.snapshot.hosts, kind, base);
      case 'change':
        return (input.changes ?? []).map((change) => ({
          kind,
          ...base(change.address),
          change,
          ...(isPortChange(change) ? { portKey: `${change.protocol}/${change.port}` } : {}),
        }));
      case 'config':
        return (input.documents ?? []).map((document) => ({
          kind,
          ...base(document.asset),
          document,
          timeSources: context.timeSources,
        }));
    }
  };
  const forEachSubject = (kind: SubjectKind, visit: (subject: Subject) => void): void => {
    const materialized = built.get(kind);
    if (materialized || (kind !== 'host' && !PORT_KINDS.has(kind))) {
      for (const subject of materialized ?? subjectsOf(kind)) visit(subject);
      return;
    }
    visitReused(input.snapshot.hosts, kind, placement, fixed, visit);
  };
  const fixed = { scope: input.snapshot.scope, vantageZone, now };
  const walk = (visitor: SnapshotVisitor): void =>
    walkSnapshot(input.snapshot.hosts, placement, fixed, visitor);
  const subjectAt = (
    kind: SubjectKind,
    host: HostObservation,
    port: PortObservation | undefined,
  ): Subject => {
    const shared = base(addressOf(host));
    return port === undefined ? { kind, ...shared, host } : portSubject(kind, shared, host, port);
  };
  const subjectsOf = (kind: SubjectKind): readonly Subject[] => {
    let subjects = built.get(kind);
    if (!subjects) {
      subjects = build(kind);
      built.set(kind, subjects);
    }
    return subjects;
  };
  return Object.freeze({
    input,
    context,
    now,
    placement,
    forEachSubject,
    walk,
    subjectAt,
    subjectsOf,
  });
}

const PORT_KINDS: ReadonlySet<SubjectKind> = new Set(['service', 'tls', 'ssh', 'http']);

/** Every member a subject may have, so the one reused object keeps one shape (absent = undefined). */
type AllMembers = { -readonly [K in keyof Subject]-?: Subject[K] };
type ReusedSubject = { [K in keyof AllMembers]: AllMembers[K] | undefined };

/**
 * Walks the snapshot's hosts and open ports once through one object whose members are reassigned
 * per subject: no allocation per port, and every rule judges a port while it is in the cache. A
 * visitor that keeps a subject must copy it (`{ ...subject }`); one that changes its `kind` (to
 * judge a port as a TLS endpoint) changes it for that visit only.
 */
export function walkSnapshot(
  hosts: readonly HostObservation[],
  placement: (address: string) => FullPlacement,
  fixed: { scope: Subject['scope']; vantageZone: Subject['vantageZone']; now: string },
  visitor: SnapshotVisitor,
): void {
  const s: ReusedSubject = {
    kind: 'host',
    address: NO_ADDRESS,
    host: undefined,
    port: undefined,
    portKey: undefined,
    tls: undefined,
    ssh: undefined,
    http: undefined,
    change: undefined,
    document: undefined,
    scope: fixed.scope,
    zone: undefined,
    vantageZone: fixed.vantageZone,
    asset: undefined,
    role: undefined,
    approvedPorts: [],
    now: fixed.now,
    timeSources: undefined,
  };
  const subject = s as Subject;
  const { host: onHost, port: onPort } = visitor;
  const place = (host: HostObservation): void => {
    const address = addressOf(host);
    const where = placement(address);
    s.address = address;
    s.host = host;
    s.zone = where.zone;
    s.asset = where.asset;
    s.role = where.role;
    s.approvedPorts = where.approvedPorts;
  };
  for (let h = 0; h < hosts.length; h += 1) {
    const host = hosts[h];
    if (onHost) {
      place(host);
      s.kind = 'host';
      s.port = s.portKey = s.tls = s.ssh = s.http = undefined;
      onHost(subject);
    }
    if (!onPort || host.status !== 'up') continue;
    // Without host rules a host is placed at its first open port, and one with none never is.
    let placed = onHost !== undefined;
    const ports = host.ports;
    for (let p = 0; p < ports.length; p += 1) {
      const port = ports[p];
      if (port.state !== 'open') continue;
      if (!placed) {
        place(host);
        placed = true;
      }
      s.kind = 'service';
      s.port = port;
      s.portKey = portKeyOf(port);
      s.tls = port.tls;
      s.ssh = port.ssh;
      s.http = port.http;
      onPort(subject);
    }
  }
}

/** Visits the host subjects, or the port subjects of one kind, through `walkSnapshot`. */
function visitReused(
  hosts: readonly HostObservation[],
  kind: SubjectKind,
  placement: (address: string) => FullPlacement,
  fixed: { scope: Subject['scope']; vantageZone: Subject['vantageZone']; now: string },
  visit: (subject: Subject) => void,
): void {
  if (kind === 'host') {
    walkSnapshot(hosts, placement, fixed, { host: visit });
    return;
  }
  const fact = kind === 'service' ? undefined : FACT_OF[kind as 'tls' | 'ssh' | 'http'];
  walkSnapshot(hosts, placement, fixed, {
    port: (subject) => {
      if (fact !== undefined && subject[fact] === undefined) return;
      subject.kind = kind;
      visit(subject);
    },
  });
}

// "tcp/443" strings, made once per protocol and number instead of once per port visited. Plain
// arrays indexed by port number, one per protocol picked by comparison: a Map, or an object keyed
// by protocol, cost more here than the rest of the walk.
const TCP_KEYS = new Array<string | undefined>(65536);
const UDP_KEYS = new Array<string | undefined>(65536);
const SCTP_KEYS = new Array<string | undefined>(65536);
function portKeyOf(port: PortObservation): string {
  const { protocol, port: number } = port;
  const keys =
    protocol === 'tcp'
      ? TCP_KEYS
      : protocol === 'udp'
        ? UDP_KEYS
        : protocol === 'sctp'
          ? SCTP_KEYS
          : undefined;
  if (keys === undefined || !Number.isInteger(number) || number < 0 || number > 65535) {
    return `${protocol}/${number}`;
  }
  let key = keys[number];
  if (key === undefined) {
    key = `${protocol}/${number}`;
    keys[number] = key;
  }
  return key;
}

export function addressOf(host: HostObservation): string {
  return primaryAddress(host) ?? NO_ADDRESS;
}

const FACT_OF = { tls: 'tls', ssh: 'ssh', http: 'http' } as const;

/** Open ports of hosts that are up; tls/ssh/http subjects are those ports with such facts. */
function portSubjects(
  hosts: readonly HostObservation[],
  kind: 'service' | 'tls' | 'ssh' | 'http',
  base: (address: string) => Omit<Subject, 'kind'>,
): Subject[] {
  const subjects: Subject[] = [];
  for (const host of hosts) {
    if (host.status !== 'up') continue;
    let shared: Omit<Subject, 'kind'> | undefined;
    for (const port of host.ports) {
      if (port.state !== 'open') continue;
      if (kind !== 'service' && port[FACT_OF[kind]] === undefined) continue;
      shared ??= base(addressOf(host));
      subjects.push(portSubject(kind, shared, host, port));
    }
  }
  return subjects;
}

function portSubject(
  kind: SubjectKind,
  shared: Omit<Subject, 'kind'>,
  host: HostObservation,
  port: PortObservation,
): Subject {
  return {
    kind,
    ...shared,
    host,
    port,
    portKey: `${port.protocol}/${port.port}`,
    ...(port.tls ? { tls: port.tls } : {}),
    ...(port.ssh ? { ssh: port.ssh } : {}),
    ...(port.http ? { http: port.http } : {}),
  };
}

type FullPlacement = Placement & { approvedPorts: string[] };

function placer(input: EvaluationInput, context: PolicyContext): (address: string) => FullPlacement {
  const zones = new ZoneIndex(context.zones);
  const assets = new Map(context.inventory.map((a) => [canonicalAddress(a.address) ?? a.address, a]));
  const roles = new Map<string, RoleView>(
    context.roles.map((r) => [
      r.name,
      Object.freeze({
        name: r.name,
        approvedPorts: [...portKeySet(r.approvedPorts)].sort(),
        approvedServices: [...(r.approvedServices ?? [])],
      }),
    ]),
  );
  const scopePorts = portKeySet(input.snapshot.scope.approvedPorts);
  // Without zones or inventory every address is placed alike: one shared answer, no lookups.
  if (context.zones.length === 0 && context.inventory.length === 0) {
    const shared: FullPlacement = Object.freeze({
      approvedPorts: Object.freeze([...scopePorts].sort()) as string[],
    });
    return () => shared;
  }
  const approvedByCombination = new Map<string, string[]>();
  const memo = new Map<string, FullPlacement>();
  return (address) => {
    let placement = memo.get(address);
    if (placement) return placement;
    const located = zones.locate(address);
    const asset = assets.get(canonicalAddress(address) ?? address);
    const role = asset?.role === undefined ? undefined : roles.get(asset.role);
    // Hosts in one zone with one role share one approved list.
    const combination = `${located?.zone.name ?? ''}\u0000${role?.name ?? ''}`;
    let approvedPorts = approvedByCombination.get(combination);
    if (!approvedPorts) {
      const keys = new Set(scopePorts);
      for (const key of portKeySet(located?.zone.approvedPorts)) keys.add(key);
      for (const key of role?.approvedPorts ?? []) keys.add(key);
      approvedPorts = Object.freeze([...keys].sort()) as string[];
      approvedByCombination.set(combination, approvedPorts);
    }
    placement = {
      ...(located ? { zone: located.view } : {}),
      ...(asset ? { asset } : {}),
      ...(role ? { role } : {}),
      approvedPorts,
    };
    memo.set(address, placement);
    return placement;
  };
}

// A $data reference to a missing or malformed list makes ajv skip or fail the comparison,
// which would silently flip rule 1.2.5: refuse such input instead.
function checkInput(input: EvaluationInput): void {
  const ports: unknown = input.snapshot.scope.approvedPorts;
  if (!Array.isArray(ports) || !ports.every((p) => Number.isInteger(p))) {
    throw DriftwatchError.validation([
      { field: 'scope.approvedPorts', reason: 'must be an array of port numbers' },
    ]);
  }
  if (Number.isNaN(input.now.getTime())) {
    throw DriftwatchError.validation([{ field: 'now', reason: 'must be a valid date' }]);
  }
}

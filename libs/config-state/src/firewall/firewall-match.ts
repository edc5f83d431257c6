import {
  type AddressInterval,
  cidrFamily,
  coverage,
  type IpFamily,
  intervalOf,
  mergeIntervals,
} from './firewall-address';
import type { FirewallMatch, PortRange } from './firewall.model';

/**
 * How one rule's matches apply to one packet: definitely, not at all, or "maybe" when the rule
 * uses a match the analysis does not model, names an interface the packet does not, or covers
 * only part of the packet's source/destination zone.
 */
export type Tri = 'yes' | 'no' | 'maybe';

/** Protocols a packet under analysis may carry (icmp on IPv6 is icmpv6). */
export type PacketProtocol = 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmpv6';

/** A NEW connection's first packet, addresses as intervals (a single host or a whole zone). */
export interface EvalPacket {
  family: IpFamily;
  source: AddressInterval;
  destination: AddressInterval;
  protocol: PacketProtocol;
  port?: number;
  inInterface?: string;
  outInterface?: string;
  /** From/to another host: never on the loopback interface, when no interface is named. */
  remote?: boolean;
  /**
   * With no interface named: 'unknown' (default) leaves interface rules undecided; 'as-named'
   * assumes the packet crosses the interfaces each rule names (see FirewallPacket.interfaces).
   */
  interfaces?: 'unknown' | 'as-named';
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '58': 'icmpv6',
  '132': 'sctp',
  'ipv6-icmp': 'icmpv6',
  icmp6: 'icmpv6',
};

/** One name per protocol: lowercase, well-known numbers named, "ipv6-icmp" as "icmpv6". */
export function canonicalProtocol(text: string): string {
  const lower = text.toLowerCase();
  return PROTOCOL_NAMES[lower] ?? lower;
}

const PORT_PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp', 'udplite', 'dccp']);

/**
 * Unmodelled matches that cannot change which NEW connections a rule applies to, so a rule
 * carrying only these is still analysed exactly:
 *  - iptables `-m limit` and nft `limit rate N/unit` (not `over`): a rate limit passes the packets
 *    under its rate, and a single new connection is under it; the rule is taken to match.
 *  - iptables `-m recent --set` (without --rcheck/--update/--remove): records the source, always
 *    matches.
 * Everything else (recent checks, set, hashlimit, icmp types, tcp flags, marks, addrtype, owner,
 * xt compat matches in nft output, ...) is uncertain.
 */
export function isHarmlessUnsupported(entry: string): boolean {
  if (/^-m limit(\s|$)/.test(entry)) return true;
  if (/^limit rate (?!over\b)/.test(entry)) return true;
  if (/^-m recent(\s|$)/.test(entry)) {
    return /\s--set(\s|$)/.test(entry) && !/\s--(rcheck|update|remove)(\s|$)/.test(entry);
  }
  return false;
}

/** The rule applies to every NEW packet (used for catch-all rules in the summary). */
export function matchesEveryNewPacket(match: FirewallMatch): boolean {
  for (const [key, value] of Object.entries(match) as Array<[keyof FirewallMatch, unknown]>) {
    if (key === 'unsupported') {
      if (!(value as string[]).every(isHarmlessUnsupported)) return false;
    } else if (key === 'states') {
      if ((value as string[]).includes('new') === (match.statesNegated ?? false)) return false;
    } else if (key !== 'statesNegated') {
      return false;
    }
  }
  return true;
}

export type CompiledMatch = (packet: EvalPacket) => Tri;

interface AddressSet {
  families: Set<IpFamily>;
  byFamily: Record<IpFamily, AddressInterval[]>;
}

function addressSet(cidrs: readonly string[]): AddressSet {
  const byFamily: Record<IpFamily, AddressInterval[]> = { ipv4: [], ipv6: [] };
  for (const cidr of cidrs) {
    const interval = intervalOf(cidr);
    if (interval) byFamily[interval.family].push(interval);
  }
  return {
    families: new Set(cidrs.map(cidrFamily)),
    byFamily: { ipv4: mergeIntervals(byFamily.ipv4), ipv6: mergeIntervals(byFamily.ipv6) },
  };
}

function addressTri(zone: AddressInterval, set: AddressSet, negated: boolean): Tri {
  const covered = coverage(zone, set.byFamily[zone.family]);
  if (covered === 'part') return 'maybe';
  return (covered === 'all') !== negated ? 'yes' : 'no';
}

function inRanges(port: number, ranges: readonly PortRange[]): boolean {
  return ranges.some((r) => port >= r.from && port <= r.to);
}

function interfaceMatches(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => (p.endsWith('+') ? name.startsWith(p.slice(0, -1)) : name === p));
}

function interfaceTri(
  patterns: readonly string[] | undefined,
  negated: boolean,
  name?: string,
  remote?: boolean,
  interfaces: EvalPacket['interfaces'] = 'unknown',
): Tri {
  if (!patterns) return 'yes';
  if (name === undefined) {
    // A remote peer's packets are not on lo: a rule naming only lo is decided; others are unknown,
    // unless the caller assumes the packet crosses the interfaces the rule names.
    if (remote && patterns.every((p) => p === 'lo')) return negated ? 'yes' : 'no';
    if (interfaces === 'as-named') return negated ? 'no' : 'yes';
    return 'maybe';
  }
  return interfaceMatches(patterns, name) !== negated ? 'yes' : 'no';
}

/**
 * Compiles a rule's matches for repeated evaluation. `tableFamilies` are the IP families the
 * rule's table sees (ip: ipv4, ip6: ipv6, inet: both).
 */
export function compileMatch(match: FirewallMatch, tableFamilies: readonly IpFamily[]): CompiledMatch {
  // An address match implies its family (nft `ip saddr` never matches an IPv6 packet, negated or not).
  const families = new Set(tableFamilies.filter((f) => match.family === undefined || match.family === f));
  const sources = match.sources && addressSet(match.sources);
  const destinations = match.destinations && addressSet(match.destinations);
  for (const set of [sources, destinations]) {
    if (set && set.families.size > 0)
      for (const f of [...families]) if (!set.families.has(f)) families.delete(f);
  }
  const protocols = match.protocols ?? (match.protocol !== undefined ? [match.protocol] : undefined);
  const needsPorts = Boolean(match.destinationPorts ?? match.sourcePorts ?? match.ports);
  const uncertain = (match.unsupported ?? []).some((entry) => !isHarmlessUnsupported(entry));

  const sourcePortsAll = match.sourcePorts?.some((r) => r.from <= 1 && r.to === 65535) ?? false;

  return (packet) => {
    if (!families.has(packet.family)) return 'no';
    let maybe = uncertain;
    const note = (result: Tri): boolean => {
      if (result === 'maybe') maybe = true;
      return result !== 'no';
    };
    if (sources && !note(addressTri(packet.source, sources, match.sourcesNegated ?? false))) return 'no';
    if (
      destinations &&
      !note(addressTri(packet.destination, destinations, match.destinationsNegated ?? false))
    )
      return 'no';
    if (protocols && protocols.includes(packet.protocol) === (match.protocolNegated ?? false)) return 'no';
    if (needsPorts && !PORT_PROTOCOLS.has(packet.protocol)) return 'no';
    if (match.destinationPorts) {
      if (packet.port === undefined) maybe = true;
      else if (inRanges(packet.port, match.destinationPorts) === (match.destinationPortsNegated ?? false))
        return 'no';
    }
    if (match.ports) {
      // Source or destination port: the destination port decides when it is in the list;
      // otherwise the (unknown) source port might be.
      const hit = packet.port !== undefined && inRanges(packet.port, match.ports);
      if (hit && match.portsNegated) return 'no';
      if (!hit || match.portsNegated) maybe = true;
    }
    if (match.sourcePorts) {
      // A new connection's source port is unknown: only a rule covering every port is sure.
      if (!sourcePortsAll) maybe = true;
      else if (match.sourcePortsNegated) return 'no';
    }
    if (
      !note(
        interfaceTri(
          match.inInterfaces,
          match.inInterfacesNegated ?? false,
          packet.inInterface,
          packet.remote,
          packet.interfaces,
        ),
      )
    )
      return 'no';
    if (
      !note(
        interfaceTri(
          match.outInterfaces,
          match.outInterfacesNegated ?? false,
          packet.outInterface,
          packet.remote,
          packet.interfaces,
        ),
      )
    )
      return 'no';
    if (match.states && match.states.includes('new') === (match.statesNegated ?? false)) return 'no';
    return maybe ? 'maybe' : 'yes';
  };
}

import {
  type AddressInterval,
  type IpFamily,
  intervalOf,
  intervalToCidrs,
  maxAddress,
} from './firewall-address';
import type { PacketProtocol } from './firewall-match';
import type { FirewallRule, FirewallRuleset, PortRange } from './firewall.model';
import { summarizeFirewall } from './firewall-summary';
import {
  type CompiledRuleset,
  compileRuleset,
  evaluatePacket,
  PACKET_PROTOCOLS,
  type PacketHook,
} from './firewall-verdict';

export interface ExposureOptions {
  /** IP families to analyse; default: those the ruleset has tables for (ip, ip6, inet). */
  families?: IpFamily[];
  /** Default tcp, udp, sctp, icmp. */
  protocols?: Array<(typeof PACKET_PROTOCOLS)[number]>;
  /** Packets arrive on / leave by these interfaces; unnamed, interface-specific rules are uncertain. */
  inInterface?: string;
  outInterface?: string;
  /**
   * Connections come from other hosts (default true): rules on the loopback interface (`-i lo`,
   * `iifname "lo"`, and `-o lo` for output) do not apply to them, instead of being uncertain.
   */
  remote?: boolean;
  /** At most this many cells are evaluated (default 200 000); see FirewallExposure.capped. */
  maxCells?: number;
  /**
   * At most about this many rule checks (cells × reachable rules; default 20 000 000, about a
   * second): a ruleset of thousands of rules cut into thousands of cells would otherwise hold the
   * thread for minutes. See FirewallExposure.capped.
   */
  maxWork?: number;
}

/** New connections from any of `sources` to any of `destinations` on `protocol`/`ports`. */
export interface ExposureEntry {
  /** CIDRs; 0.0.0.0/0 (or ::/0) is any source. */
  sources: string[];
  destinations: string[];
  protocol: (typeof PACKET_PROTOCOLS)[number];
  /** Destination ports; empty for icmp. */
  ports: PortRange[];
}

export interface UncertainExposureEntry extends ExposureEntry {
  /** What the walk found when uncertain rules are taken not to match. */
  likely: 'accept' | 'drop' | 'reject';
  /** Texts of the rules that make these cells uncertain (the first MAX_UNCERTAIN_RULES). */
  rules: string[];
  /** How many more rules made them uncertain, when there were more than MAX_UNCERTAIN_RULES. */
  moreRules?: number;
}

export interface FirewallExposure {
  hook: PacketHook;
  defaultAction: 'accept' | 'drop' | 'reject';
  /** Certainly accepted. */
  allowed: ExposureEntry[];
  /** Outcome depends on something the analysis does not model. */
  uncertain: UncertainExposureEntry[];
  /** Cells (one representative packet each) evaluated. */
  cells: number;
  /**
   * The exact partition had more cells than maxCells, or its walk more rule checks than maxWork:
   * destinations, then sources, then ports were analysed as one zone each, so rules that depend
   * on them show as uncertain rather than exact.
   */
  capped: boolean;
}

const DEFAULT_MAX_CELLS = 200_000;
const DEFAULT_MAX_WORK = 20_000_000;
/** Rule texts named per uncertain entry; a capped walk of a large ruleset can name thousands. */
export const MAX_UNCERTAIN_RULES = 20;
const PORT_PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp']);

interface Span {
  from: bigint;
  to: bigint;
}

/** Cells with one outcome: a destination cell, the source spans, and the port cells. */
interface Group {
  destination: Span;
  sources: Span[];
  ports: Span[];
}

function spanKey(spans: readonly Span[]): string {
  return spans.map((s) => `${s.from}-${s.to}`).join(',');
}

/**
 * Which source networks may open which connections to which destinations and ports, exactly: the
 * address and port space is cut at every boundary the reachable rules mention, one packet per
 * cell is judged by the same walk as firewallVerdict, and accepted cells are merged back into
 * CIDRs and port ranges.
 */
export function firewallExposure(
  ruleset: FirewallRuleset,
  hook: PacketHook,
  options: ExposureOptions = {},
): FirewallExposure {
  const compiled = compileRuleset(ruleset);
  const maxCells = options.maxCells ?? DEFAULT_MAX_CELLS;
  const maxWork = options.maxWork ?? DEFAULT_MAX_WORK;
  const protocols = options.protocols ?? [...PACKET_PROTOCOLS];
  const families = options.families ?? defaultFamilies(ruleset);
  const allowed: ExposureEntry[] = [];
  const uncertain: UncertainExposureEntry[] = [];
  let cells = 0;
  let capped = false;

  for (const family of families) {
    const partition = partitionOf(compiled, hook, family);
    const { full, rules } = partition;
    let { sources, destinations, ports } = partition;
    // One port zone: packets of unknown port, so port matches are uncertain.
    let portZone = false;
    const count = (): number =>
      protocols.reduce(
        (n, p) => n + sources.length * destinations.length * (PORT_PROTOCOLS.has(p) ? ports.length : 1),
        0,
      );
    // A walk checks each reachable rule at most once, forks aside (bounded by the walk's own limits).
    const tooMuch = () => count() > maxCells || count() * Math.max(rules.length, 1) > maxWork;
    if (tooMuch()) {
      capped = true;
      destinations = [full];
      if (tooMuch()) sources = [full];
      if (tooMuch()) {
        ports = [{ from: 0, to: 65535 }];
        portZone = true;
      }
    }

    for (const protocol of protocols) {
      const portCells: Array<Span | undefined> = PORT_PROTOCOLS.has(protocol)
        ? ports.map((p) => ({ from: BigInt(p.from), to: BigInt(p.to) }))
        : [undefined];
      const interfaces = {
        ...(options.inInterface !== undefined ? { inInterface: options.inInterface } : {}),
        ...(options.outInterface !== undefined ? { outInterface: options.outInterface } : {}),
        ...(options.remote === false ? {} : { remote: true }),
      };
      const packetProtocol: PacketProtocol = protocol === 'icmp' && family === 'ipv6' ? 'icmpv6' : protocol;
      // Per destination cell and port cell, the accepted source cells; then port cells with the
      // same sources merge into port ranges, and destinations with the same ports and sources.
      const accepted = new Map<string, Group>();
      const unsure = new Map<string, Group & { likely: UncertainExposureEntry['likely']; rules: string[] }>();
      const add = <G extends Group>(
        groups: Map<string, G>,
        key: string,
        make: () => G,
        port: Span | undefined,
      ) => {
        const group = groups.get(key) ?? make();
        if (port) group.ports.push(port);
        groups.set(key, group);
      };
      for (const destination of destinations) {
        for (const port of portCells) {
          const yes: Span[] = [];
          const maybe = new Map<
            string,
            { likely: UncertainExposureEntry['likely']; rules: string[]; sources: Span[] }
          >();
          for (const source of sources) {
            if (cells >= maxCells) {
              capped = true;
              break;
            }
            cells++;
            const verdict = evaluatePacket(compiled, hook, {
              family,
              source: { family, ...source },
              destination: { family, ...destination },
              protocol: packetProtocol,
              ...(port && !portZone ? { port: Number(port.from) } : {}),
              ...interfaces,
            });
            if (!verdict.possible.includes('accept')) continue; // denied, whichever way
            if (!verdict.certain) {
              const rules = [...verdict.uncertainRules].sort();
              const rulesKey = JSON.stringify([verdict.action, rules]);
              const entry = maybe.get(rulesKey) ?? { likely: verdict.action, rules, sources: [] };
              entry.sources.push(source);
              maybe.set(rulesKey, entry);
            } else if (verdict.action === 'accept') {
              yes.push(source);
            }
          }
          if (yes.length > 0) {
            const spans = mergeSpans(yes);
            add(
              accepted,
              `${destination.from}|${spanKey(spans)}`,
              () => ({ destination, sources: spans, ports: [] }),
              port,
            );
          }
          for (const [rulesKey, m] of maybe) {
            const spans = mergeSpans(m.sources);
            const make = () => ({ destination, sources: spans, ports: [], likely: m.likely, rules: m.rules });
            add(unsure, `${destination.from}|${spanKey(spans)}|${rulesKey}`, make, port);
          }
        }
      }
      // Same ports and sources for several destinations: one entry.
      const merge = <G extends Group>(groups: Iterable<G>, extraKey: (g: G) => string) => {
        const out = new Map<string, { group: G; ports: PortRange[]; destinations: Span[] }>();
        for (const group of groups) {
          const ports = toPortRanges(group.ports);
          const key = `${JSON.stringify(ports)}|${spanKey(group.sources)}|${extraKey(group)}`;
          const entry = out.get(key) ?? { group, ports, destinations: [] };
          entry.destinations.push(group.destination);
          out.set(key, entry);
        }
        return [...out.values()];
      };
      const cidrs = (spans: Span[]): string[] =>
        mergeSpans(spans).flatMap((s) => intervalToCidrs(family, s.from, s.to));
      for (const { group, ports, destinations: d } of merge(accepted.values(), () => '')) {
        allowed.push({ sources: cidrs(group.sources), destinations: cidrs(d), protocol, ports });
      }
      for (const { group, ports, destinations: d } of merge(unsure.values(), (g) =>
        JSON.stringify([g.likely, g.rules]),
      )) {
        const { likely, rules: texts } = group;
        uncertain.push({
          sources: cidrs(group.sources),
          destinations: cidrs(d),
          protocol,
          ports,
          likely,
          rules: texts.slice(0, MAX_UNCERTAIN_RULES),
          ...(texts.length > MAX_UNCERTAIN_RULES ? { moreRules: texts.length - MAX_UNCERTAIN_RULES } : {}),
        });
      }
    }
  }
  return {
    hook,
    defaultAction: summarizeFirewall(ruleset)[hook].defaultAction,
    allowed,
    uncertain,
    cells,
    capped,
  };
}

/**
 * The protocols whose every new connection from another host, from any source to any destination
 * and port, the hook certainly accepts, for some IP family with base chains on the hook: a default
 * deny that no such packet ever reaches (`! -i lo -j ACCEPT` with `-i lo -j ACCEPT`, or
 * `-s 0.0.0.0/1` and `-s 128.0.0.0/1`, or `-p tcp -j ACCEPT` before a DROP policy). The walk stops
 * at the first cell that is not certainly accepted, so a ruleset that denies anything costs a few
 * packets. It runs on every submitted ruleset, so a partition whose walk could exceed `maxWork`
 * rule checks (cells × reachable rules) is not walked, and its protocols are not claimed open.
 */
export function protocolsOpenToAll(
  ruleset: FirewallRuleset,
  hook: PacketHook,
  maxWork = 2_000_000,
): Array<(typeof PACKET_PROTOCOLS)[number]> {
  const compiled = compileRuleset(ruleset);
  const open = new Set<string>();
  for (const family of ['ipv4', 'ipv6'] as const) {
    if (compiled.bases(hook, family).length === 0) continue; // the document does not describe it
    const { rules, sources, destinations, ports } = partitionOf(compiled, hook, family);
    for (const protocol of PACKET_PROTOCOLS) {
      if (open.has(protocol)) continue;
      const portCells = PORT_PROTOCOLS.has(protocol) ? ports : [undefined];
      if (sources.length * destinations.length * portCells.length * Math.max(rules.length, 1) > maxWork)
        continue;
      const packetProtocol: PacketProtocol = protocol === 'icmp' && family === 'ipv6' ? 'icmpv6' : protocol;
      const everyCellAccepted = destinations.every((destination) =>
        portCells.every((port) =>
          sources.every((source) => {
            const verdict = evaluatePacket(compiled, hook, {
              family,
              source: { family, ...source },
              destination: { family, ...destination },
              protocol: packetProtocol,
              ...(port ? { port: port.from } : {}),
              remote: true,
            });
            return verdict.certain && verdict.action === 'accept';
          }),
        ),
      );
      if (everyCellAccepted) open.add(protocol);
    }
  }
  return PACKET_PROTOCOLS.filter((p) => open.has(p));
}

/** The address and port space of one family, cut at every boundary the hook's reachable rules name. */
function partitionOf(compiled: CompiledRuleset, hook: PacketHook, family: IpFamily) {
  const rules = compiled.reachableRules(hook, family);
  const full: Span = { from: 0n, to: maxAddress(family) };
  return {
    rules,
    full,
    sources: cut(
      full,
      rules.flatMap((r) => r.match.sources ?? []),
      family,
    ),
    destinations: cut(
      full,
      rules.flatMap((r) => r.match.destinations ?? []),
      family,
    ),
    ports: cutPorts(rules),
  };
}

/** IP families the ruleset has tables for; IPv4 when it has none. */
function defaultFamilies(ruleset: FirewallRuleset): IpFamily[] {
  const families = new Set<IpFamily>();
  for (const table of ruleset.tables) {
    if (table.family === 'ip' || table.family === 'inet') families.add('ipv4');
    if (table.family === 'ip6' || table.family === 'inet') families.add('ipv6');
  }
  return families.size > 0 ? (['ipv4', 'ipv6'] as const).filter((f) => families.has(f)) : ['ipv4'];
}

/** The full range cut at every CIDR boundary: each piece is inside or outside every CIDR. */
function cut(full: Span, cidrs: readonly string[], family: IpFamily): Span[] {
  const points = new Set<bigint>([full.from]);
  for (const cidr of cidrs) {
    const interval: AddressInterval | undefined = intervalOf(cidr);
    if (!interval || interval.family !== family) continue;
    points.add(interval.from);
    if (interval.to < full.to) points.add(interval.to + 1n);
  }
  const sorted = [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map((from, i) => ({
    from,
    to: i + 1 < sorted.length ? (sorted[i + 1] ?? full.to) - 1n : full.to,
  }));
}

function cutPorts(rules: readonly FirewallRule[]): PortRange[] {
  const points = new Set<number>([0]);
  for (const rule of rules) {
    for (const range of [...(rule.match.destinationPorts ?? []), ...(rule.match.ports ?? [])]) {
      points.add(range.from);
      if (range.to < 65535) points.add(range.to + 1);
    }
  }
  const sorted = [...points].sort((a, b) => a - b);
  return sorted.map((from, i) => ({
    from,
    to: i + 1 < sorted.length ? (sorted[i + 1] ?? 65536) - 1 : 65535,
  }));
}

function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.from <= last.to + 1n) {
      if (s.to > last.to) last.to = s.to;
    } else {
      out.push({ ...s });
    }
  }
  return out;
}

function toPortRanges(spans: readonly Span[]): PortRange[] {
  return mergeSpans(spans).map((s) => ({ from: Number(s.from), to: Number(s.to) }));
}

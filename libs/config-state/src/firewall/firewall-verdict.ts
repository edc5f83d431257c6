import { DriftwatchError, type FieldError } from '@driftwatch/core';

import { type AddressInterval, cidrInterval, type IpFamily, parseCidr } from './firewall-address';
import { compileMatch, type CompiledMatch, type EvalPacket, type PacketProtocol } from './firewall-match';
import {
  type FirewallChain,
  type FirewallFamily,
  type FirewallRule,
  type FirewallRuleset,
  tableLabel,
} from './firewall.model';

export type PacketHook = 'input' | 'forward' | 'output';
export const PACKET_HOOKS: readonly PacketHook[] = ['input', 'forward', 'output'];
export const PACKET_PROTOCOLS = ['tcp', 'udp', 'sctp', 'icmp'] as const;

/** A NEW connection's first packet. Addresses may be CIDRs: the packet then stands for a zone. */
export interface FirewallPacket {
  hook: PacketHook;
  /** Inferred from the addresses when absent. */
  family?: IpFamily;
  source: string;
  destination: string;
  protocol: (typeof PACKET_PROTOCOLS)[number];
  /** Destination port (tcp, udp, sctp). */
  port?: number;
  inInterface?: string;
  outInterface?: string;
  /**
   * When no interface is named: 'unknown' (default) makes rules that name interfaces uncertain;
   * 'as-named' assumes the packet crosses the interfaces each rule names, for a caller that knows
   * the packet's networks but not which interface of the firewall faces them (a router whose
   * rules pair interfaces with the zones' networks). A peer's packets are never on lo.
   */
  interfaces?: 'unknown' | 'as-named';
}

export interface FirewallVerdict {
  action: 'accept' | 'drop' | 'reject';
  /**
   * The deciding rule (ruleIndex 0-based within the chain, and its text), or the chain whose
   * policy decided. Both table and chain are "" when no base chain filters the hook (the kernel
   * accepts).
   */
  decidedBy: { table: string; chain: string; ruleIndex?: number; text?: string };
  /**
   * False when a rule the analysis cannot fully evaluate for this packet (unmodelled matches, an
   * interface the packet does not name, a CIDR only partly covering the packet's zone, an unknown
   * target) could have changed the action. Such rules are taken not to match for `action`.
   */
  certain: boolean;
  /** Chains traversed, "table/chain", in order. */
  path: string[];
  /** Texts of the rules that make the verdict uncertain. */
  uncertainRules: string[];
  /** Every action the packet may get (just `action` when certain). */
  possible: Array<'accept' | 'drop' | 'reject'>;
}

const FAMILIES_OF: Readonly<Record<FirewallFamily, readonly IpFamily[]>> = {
  ip: ['ipv4'],
  ip6: ['ipv6'],
  inet: ['ipv4', 'ipv6'],
  arp: [],
  bridge: [],
  netdev: [],
};

/** Targets that only annotate or mangle the packet: evaluation continues after them. */
const NON_TERMINATING_TARGETS: ReadonlySet<string> = new Set([
  'MARK',
  'CONNMARK',
  'CLASSIFY',
  'DSCP',
  'TOS',
  'TTL',
  'HL',
  'TCPMSS',
  'SECMARK',
  'CONNSECMARK',
  'CT',
  'NOTRACK',
  'AUDIT',
  'TRACE',
  'SET',
  'CHECKSUM',
  'IDLETIMER',
  'LED',
  'TEE',
  'mangle',
  'notrack',
  'set',
  'dnat',
  'snat',
  'masquerade',
  'redirect',
]);

const MAX_FORKS = 32;
const MAX_CALL_DEPTH = 64;
const MAX_STEPS = 100_000;

interface CompiledRule {
  rule: FirewallRule;
  test: CompiledMatch;
  /** For jump/goto: the chain, or undefined when the table has none of that name. */
  target?: CompiledChain;
}

interface CompiledChain {
  label: string;
  table: string;
  chain: FirewallChain;
  rules: CompiledRule[];
}

/** A ruleset prepared for many verdicts: matches compiled, jumps resolved, base chains sorted. */
export interface CompiledRuleset {
  bases(hook: PacketHook, family: IpFamily): readonly CompiledChain[];
  /** Chains reachable from the hook's base chains for a family, with their rules. */
  reachableRules(hook: PacketHook, family: IpFamily): FirewallRule[];
}

export function compileRuleset(ruleset: FirewallRuleset): CompiledRuleset {
  const byTable: Array<{ families: readonly IpFamily[]; chains: CompiledChain[] }> = [];
  for (const table of ruleset.tables) {
    const label = tableLabel(ruleset.backend, table);
    const families = FAMILIES_OF[table.family];
    const chains = new Map<string, CompiledChain>();
    for (const chain of table.chains) {
      chains.set(chain.name, {
        label: `${label}/${chain.name}`,
        table: label,
        chain,
        rules: chain.rules.map((rule) => ({ rule, test: compileMatch(rule.match, families) })),
      });
    }
    for (const compiled of chains.values()) {
      for (const r of compiled.rules) {
        if ((r.rule.action === 'jump' || r.rule.action === 'goto') && r.rule.target !== undefined) {
          r.target = chains.get(r.rule.target);
        }
      }
    }
    byTable.push({ families, chains: [...chains.values()] });
  }
  const cache = new Map<string, CompiledChain[]>();
  const bases = (hook: PacketHook, family: IpFamily): CompiledChain[] => {
    const key = `${hook}/${family}`;
    let list = cache.get(key);
    if (!list) {
      list = byTable
        .filter((t) => t.families.includes(family))
        .flatMap((t) => t.chains)
        .filter((c) => c.chain.hook === hook && (c.chain.type ?? 'filter') === 'filter')
        // Array.prototype.sort is stable: equal priorities keep document order.
        .sort((a, b) => (a.chain.priority ?? 0) - (b.chain.priority ?? 0));
      cache.set(key, list);
    }
    return list;
  };
  return {
    bases,
    reachableRules(hook, family) {
      const seen = new Set<CompiledChain>();
      const todo = [...bases(hook, family)];
      for (let c = todo.pop(); c; c = todo.pop()) {
        if (seen.has(c)) continue;
        seen.add(c);
        for (const r of c.rules) if (r.target) todo.push(r.target);
      }
      return [...seen].flatMap((c) => c.chain.rules);
    },
  };
}

/**
 * What the firewall does with a NEW connection's first packet on a hook.
 *
 * iptables and nftables alike: every base chain of type filter on the hook, in every table of the
 * packet's family (ip/ip6, and inet for both), in priority order; first matching rule wins within
 * a chain; jump/goto/return and the end of a user chain as in the kernel; `accept` ends one base
 * chain and the packet goes on to the next, `drop`/`reject` are final; a base chain's policy
 * applies when its rules end. For iptables this means the filter table, preceded by mangle and
 * followed by security when those declare chains on the hook. Conntrack state matches see a NEW
 * packet. A rule naming an interface the packet does not name is taken not to match, and makes
 * the verdict uncertain if matching it could have changed the action.
 */
// Rules judge one ruleset against every port of a snapshot: each ruleset (plain data, not changed
// once parsed) is compiled once.
const COMPILED = new WeakMap<FirewallRuleset, CompiledRuleset>();

export function firewallVerdict(ruleset: FirewallRuleset, packet: FirewallPacket): FirewallVerdict {
  let compiled = COMPILED.get(ruleset);
  if (!compiled) {
    compiled = compileRuleset(ruleset);
    COMPILED.set(ruleset, compiled);
  }
  return evaluatePacket(compiled, packet.hook, toEvalPacket(packet));
}

export function toEvalPacket(packet: FirewallPacket): EvalPacket {
  const problems: FieldError[] = [];
  const zone = (field: 'source' | 'destination'): AddressInterval | undefined => {
    const value: unknown = packet[field];
    const cidr = typeof value === 'string' ? parseCidr(value) : undefined;
    if (!cidr) problems.push({ field, reason: 'must be an IPv4 or IPv6 address or CIDR' });
    return cidr && cidrInterval(cidr);
  };
  const source = zone('source');
  const destination = zone('destination');
  if (!PACKET_HOOKS.includes(packet.hook))
    problems.push({ field: 'hook', reason: 'must be input, forward or output' });
  if (!PACKET_PROTOCOLS.includes(packet.protocol))
    problems.push({ field: 'protocol', reason: 'must be tcp, udp, sctp or icmp' });
  if (
    packet.port !== undefined &&
    !(Number.isInteger(packet.port) && packet.port >= 0 && packet.port <= 65535)
  )
    problems.push({ field: 'port', reason: 'must be an integer from 0 to 65535' });
  const family = packet.family ?? source?.family;
  if (source && destination && (source.family !== destination.family || source.family !== family))
    problems.push({ field: 'family', reason: 'source, destination and family must be of one IP family' });
  if (problems.length > 0 || !source || !destination || !family) throw DriftwatchError.validation(problems);
  const protocol: PacketProtocol =
    packet.protocol === 'icmp' && family === 'ipv6' ? 'icmpv6' : packet.protocol;
  return {
    family,
    source,
    destination,
    protocol,
    ...(packet.port !== undefined ? { port: packet.port } : {}),
    ...(packet.inInterface !== undefined ? { inInterface: packet.inInterface } : {}),
    ...(packet.outInterface !== undefined ? { outInterface: packet.outInterface } : {}),
    ...(packet.interfaces === 'as-named' ? { interfaces: 'as-named' as const, remote: true } : {}),
  };
}

export function evaluatePacket(
  compiled: CompiledRuleset,
  hook: PacketHook,
  packet: EvalPacket,
): FirewallVerdict {
  const bases = compiled.bases(hook, packet.family);
  const first = bases[0];
  if (!first) {
    return {
      action: 'accept',
      decidedBy: { table: '', chain: '' },
      certain: true,
      path: [],
      uncertainRules: [],
      possible: ['accept'],
    };
  }
  const evaluator = new Evaluator(bases, packet);
  const outcome = evaluator.run({ base: 0, frame: { chain: first, index: 0 }, stack: [] }, false, [
    first.label,
  ]);
  const { action, decidedBy, path, uncertain, possible } = outcome;
  return {
    action,
    decidedBy,
    certain: possible.size === 1,
    path,
    uncertainRules: [...uncertain],
    possible: ACTIONS.filter((a) => possible.has(a)),
  };
}

interface Frame {
  chain: CompiledChain;
  index: number;
}

interface RunState {
  base: number;
  frame: Frame;
  stack: Frame[];
}

type Action = FirewallVerdict['action'];
const ACTIONS: readonly Action[] = ['accept', 'drop', 'reject'];

interface Outcome {
  action: Action;
  decidedBy: FirewallVerdict['decidedBy'];
  path: string[];
  uncertain: Set<string>;
  /** Actions reachable through uncertain rules, `action` included. */
  possible: Set<Action>;
}

/** Whether a rule, were it to match, could change where the packet goes. */
function affectsVerdict(rule: FirewallRule): boolean {
  switch (rule.action) {
    case 'log':
      return false;
    case 'other':
      return rule.target !== undefined && !NON_TERMINATING_TARGETS.has(rule.target);
    case 'accept':
    case 'drop':
    case 'reject':
    case 'return':
    case 'jump':
    case 'goto':
      return true;
  }
}

/**
 * Walks the chains. At a rule that may or may not match, the walk goes on as if it did not and,
 * within a budget, a second walk from that rule as if it did: the verdict is certain when every
 * such alternative reaches the same action.
 */
class Evaluator {
  private forks = MAX_FORKS;

  constructor(
    private readonly bases: readonly CompiledChain[],
    private readonly packet: EvalPacket,
  ) {}

  run(start: RunState, forceFirst: boolean, path: string[]): Outcome {
    let base = start.base;
    let frame: Frame = { ...start.frame };
    const stack = start.stack.map((f) => ({ ...f }));
    const uncertain = new Set<string>();
    const possible = new Set<Action>();
    const alternatives: Array<{ outcome: Outcome; rule: string }> = [];
    let force = forceFirst;
    /** A rule whose effect is unknown (budget spent, unknown target or chain): anything is possible. */
    const unknown = (rule: FirewallRule): void => {
      uncertain.add(rule.text);
      for (const a of ACTIONS) possible.add(a);
    };
    const finish = (action: Action, decidedBy: Outcome['decidedBy']): Outcome => {
      possible.add(action);
      for (const alt of alternatives) {
        if (alt.outcome.possible.size > 1 || !alt.outcome.possible.has(action)) {
          uncertain.add(alt.rule);
          for (const rule of alt.outcome.uncertain) uncertain.add(rule);
          for (const a of alt.outcome.possible) possible.add(a);
        }
      }
      return { action, decidedBy, path, uncertain, possible };
    };
    const byPolicy = (c: CompiledChain): Outcome['decidedBy'] => ({ table: c.table, chain: c.chain.name });
    const nextBase = (): boolean => {
      const next = this.bases[base + 1];
      if (!next) return false;
      base++;
      frame = { chain: next, index: 0 };
      stack.length = 0;
      path.push(next.label);
      return true;
    };

    for (let steps = 0; ; steps++) {
      const baseChain = this.bases[base] ?? frame.chain;
      if (steps > MAX_STEPS) {
        for (const a of ACTIONS) possible.add(a);
        return finish(baseChain.chain.policy === 'drop' ? 'drop' : 'accept', byPolicy(baseChain));
      }
      const compiled = frame.chain.rules[frame.index];
      if (!compiled) {
        const caller = stack.pop();
        if (caller) {
          frame = caller;
          continue;
        }
        if (baseChain.chain.policy === 'drop') return finish('drop', byPolicy(baseChain));
        if (nextBase()) continue;
        return finish('accept', byPolicy(baseChain));
      }
      const { rule } = compiled;
      const matched = force ? 'yes' : compiled.test(this.packet);
      force = false;
      if (matched === 'no' || (matched === 'maybe' && !affectsVerdict(rule))) {
        frame.index++;
        continue;
      }
      if (matched === 'maybe') {
        if (this.forks > 0) {
          this.forks--;
          const outcome = this.run({ base, frame, stack }, true, [...path]);
          alternatives.push({ outcome, rule: rule.text });
        } else {
          unknown(rule);
        }
        frame.index++;
        continue;
      }
      const decided = {
        table: frame.chain.table,
        chain: frame.chain.chain.name,
        ruleIndex: frame.index,
        text: rule.text,
      };
      switch (rule.action) {
        case 'accept':
          if (nextBase()) continue;
          return finish('accept', decided);
        case 'drop':
        case 'reject':
          return finish(rule.action, decided);
        case 'return':
          frame.index = frame.chain.rules.length;
          continue;
        case 'jump':
        case 'goto': {
          const target = compiled.target;
          if (!target || stack.length >= MAX_CALL_DEPTH) {
            unknown(rule);
            frame.index++;
            continue;
          }
          if (rule.action === 'jump') stack.push({ chain: frame.chain, index: frame.index + 1 });
          frame = { chain: target, index: 0 };
          path.push(target.label);
          continue;
        }
        case 'log':
        case 'other':
          if (affectsVerdict(rule)) unknown(rule); // a target with its own verdict (NFQUEUE, TARPIT, ...)
          frame.index++;
          continue;
      }
    }
  }
}

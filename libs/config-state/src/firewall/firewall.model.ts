/**
 * A firewall ruleset normalised from `iptables-save` or `nft -j list ruleset` output: plain JSON
 * data that policy rules read and the analysis (verdicts, exposure, diff) works on.
 */

export const FIREWALL_BACKENDS = ['iptables', 'nftables'] as const;
export type FirewallBackend = (typeof FIREWALL_BACKENDS)[number];

export const FIREWALL_FAMILIES = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'] as const;
export type FirewallFamily = (typeof FIREWALL_FAMILIES)[number];

/** Netfilter hooks; `egress` (netdev, nftables >= 1.0.1) is accepted so newer output still parses. */
export const FIREWALL_HOOKS = [
  'prerouting',
  'input',
  'forward',
  'output',
  'postrouting',
  'ingress',
  'egress',
] as const;
export type FirewallHook = (typeof FIREWALL_HOOKS)[number];

export const CHAIN_TYPES = ['filter', 'nat', 'route'] as const;
export type ChainType = (typeof CHAIN_TYPES)[number];

export const RULE_ACTIONS = ['accept', 'drop', 'reject', 'return', 'jump', 'goto', 'log', 'other'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** Connection tracking states a rule may name (iptables `--ctstate`/`--state`, nft `ct state`). */
export const CONNTRACK_STATES = [
  'new',
  'established',
  'related',
  'invalid',
  'untracked',
  'snat',
  'dnat',
] as const;

export interface PortRange {
  from: number;
  to: number;
}

/**
 * What a rule matches. Absent fields do not restrict. Lists match when any element matches;
 * `…Negated` inverts the list. Addresses are canonical CIDRs ("198.18.20.0/24", "198.18.21.5/32",
 * "2001:db8::/32"). Interfaces are names, a trailing `+` being a wildcard (iptables' notation;
 * nft's `*` is converted to it).
 */
export interface FirewallMatch {
  /** The rule applies to one IP family only (nft `meta nfproto`/`meta protocol`). */
  family?: 'ipv4' | 'ipv6';
  sources?: string[];
  sourcesNegated?: boolean;
  destinations?: string[];
  destinationsNegated?: boolean;
  /** One layer-4 protocol: 'tcp', 'udp', 'sctp', 'icmp', 'icmpv6', or another name or number. */
  protocol?: string;
  /** Several protocols (nft `meta l4proto { tcp, udp }`), instead of `protocol`. */
  protocols?: string[];
  protocolNegated?: boolean;
  destinationPorts?: PortRange[];
  destinationPortsNegated?: boolean;
  sourcePorts?: PortRange[];
  sourcePortsNegated?: boolean;
  /** Source or destination port in the list (iptables `-m multiport --ports`). */
  ports?: PortRange[];
  portsNegated?: boolean;
  inInterfaces?: string[];
  inInterfacesNegated?: boolean;
  outInterfaces?: string[];
  outInterfacesNegated?: boolean;
  /** Conntrack states, lowercase. */
  states?: string[];
  statesNegated?: boolean;
  /**
   * Matches the analysis does not model, verbatim ("-m recent --rcheck --name ssh", "limit rate
   * 5/minute"). See firewall-match.ts for which of them are harmless and which make it uncertain.
   */
  unsupported?: string[];
}

export interface FirewallRule {
  /** The iptables-save line as written (without counters), or a readable nft rendering. */
  text: string;
  match: FirewallMatch;
  /** `other` without `target`: a rule without a verdict (it only counts). */
  action: RuleAction;
  /** The chain for jump/goto, or the raw target for `other` (e.g. "DNAT", "NFQUEUE"). */
  target?: string;
  comment?: string;
}

export interface FirewallChain {
  name: string;
  /** Base chains only. */
  hook?: FirewallHook;
  type?: ChainType;
  priority?: number;
  policy?: 'accept' | 'drop';
  rules: FirewallRule[];
}

export interface FirewallTable {
  family: FirewallFamily;
  name: string;
  chains: FirewallChain[];
}

export interface FirewallRuleset {
  backend: FirewallBackend;
  tables: FirewallTable[];
}

export interface HookSummary {
  /** Base chains of type filter on the hook (all tables and families). */
  chains: number;
  /** Rules in those base chains: a built-in chain with none (iptables' FORWARD on a host) filters nothing. */
  rules: number;
  /**
   * What a NEW packet matching no specific rule gets: the base chain's policy, or an unconditional
   * catch-all accept/drop/reject before it. `accept` if any IP family the ruleset covers accepts.
   */
  defaultAction: 'accept' | 'drop' | 'reject';
  /** Every IP family the ruleset covers denies new traffic by default. */
  defaultDeny: boolean;
  /** For some IP family, an unconditional accept of new traffic precedes any rule that may deny. */
  acceptsAll: boolean;
  /**
   * Protocols (tcp, udp, sctp, icmp) whose every new connection from another host the hook
   * certainly accepts, whatever its source, destination and port, for some IP family: rules that
   * together accept everything, so a default deny is never reached (see protocolsOpenToAll).
   * Absent from the facts of documents stored before it was derived.
   */
  openToAll?: string[];
}

export interface FirewallSummary {
  input: HookSummary;
  forward: HookSummary;
  output: HookSummary;
}

/** The facts stored for `iptables-save` and `nft-ruleset` documents. */
export interface FirewallFacts extends FirewallRuleset {
  summary: FirewallSummary;
}

// ---------------------------------------------------------------------------------------------
// JSON Schema (draft-07) of FirewallFacts.

const stringList = { type: 'array', items: { type: 'string' } } as const;
const portRanges = {
  type: 'array',
  items: {
    type: 'object',
    required: ['from', 'to'],
    additionalProperties: false,
    properties: {
      from: { type: 'integer', minimum: 0, maximum: 65535 },
      to: { type: 'integer', minimum: 0, maximum: 65535 },
    },
  },
} as const;
const flag = { type: 'boolean' } as const;

const hookSummarySchema = {
  type: 'object',
  // openToAll is not required: documents stored before it was derived lack it.
  required: ['chains', 'rules', 'defaultAction', 'defaultDeny', 'acceptsAll'],
  additionalProperties: false,
  properties: {
    chains: { type: 'integer', minimum: 0 },
    rules: { type: 'integer', minimum: 0 },
    defaultAction: { enum: ['accept', 'drop', 'reject'] },
    defaultDeny: flag,
    acceptsAll: flag,
    openToAll: { type: 'array', uniqueItems: true, items: { enum: ['tcp', 'udp', 'sctp', 'icmp'] } },
  },
} as const;

export const firewallFactsSchema: Readonly<Record<string, unknown>> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Firewall ruleset facts (iptables-save, nft -j list ruleset)',
  type: 'object',
  required: ['backend', 'tables', 'summary'],
  additionalProperties: false,
  properties: {
    backend: { enum: [...FIREWALL_BACKENDS] },
    tables: {
      type: 'array',
      items: {
        type: 'object',
        required: ['family', 'name', 'chains'],
        additionalProperties: false,
        properties: {
          family: { enum: [...FIREWALL_FAMILIES] },
          name: { type: 'string', minLength: 1 },
          chains: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'rules'],
              additionalProperties: false,
              properties: {
                name: { type: 'string', minLength: 1 },
                hook: { enum: [...FIREWALL_HOOKS] },
                type: { enum: [...CHAIN_TYPES] },
                priority: { type: 'integer' },
                policy: { enum: ['accept', 'drop'] },
                rules: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['text', 'match', 'action'],
                    additionalProperties: false,
                    properties: {
                      text: { type: 'string' },
                      action: { enum: [...RULE_ACTIONS] },
                      target: { type: 'string' },
                      comment: { type: 'string' },
                      match: {
                        type: 'object',
                        additionalProperties: false,
                        properties: {
                          family: { enum: ['ipv4', 'ipv6'] },
                          sources: stringList,
                          sourcesNegated: flag,
                          destinations: stringList,
                          destinationsNegated: flag,
                          protocol: { type: 'string' },
                          protocols: stringList,
                          protocolNegated: flag,
                          destinationPorts: portRanges,
                          destinationPortsNegated: flag,
                          sourcePorts: portRanges,
                          sourcePortsNegated: flag,
                          ports: portRanges,
                          portsNegated: flag,
                          inInterfaces: stringList,
                          inInterfacesNegated: flag,
                          outInterfaces: stringList,
                          outInterfacesNegated: flag,
                          states: stringList,
                          statesNegated: flag,
                          unsupported: stringList,
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    summary: {
      type: 'object',
      required: ['input', 'forward', 'output'],
      additionalProperties: false,
      properties: { input: hookSummarySchema, forward: hookSummarySchema, output: hookSummarySchema },
    },
  },
};

/**
 * How a table is named in paths and evidence: "filter" for iptables' IPv4 tables, otherwise
 * family and name as nft writes them ("ip6 filter", "inet filter").
 */
export function tableLabel(backend: FirewallBackend, table: Pick<FirewallTable, 'family' | 'name'>): string {
  return backend === 'iptables' && table.family === 'ip' ? table.name : `${table.family} ${table.name}`;
}

export {
  CHAIN_TYPES,
  CONNTRACK_STATES,
  FIREWALL_BACKENDS,
  FIREWALL_FAMILIES,
  FIREWALL_HOOKS,
  firewallFactsSchema,
  RULE_ACTIONS,
  tableLabel,
} from './firewall.model';
export type {
  ChainType,
  FirewallBackend,
  FirewallChain,
  FirewallFacts,
  FirewallFamily,
  FirewallHook,
  FirewallMatch,
  FirewallRule,
  FirewallRuleset,
  FirewallSummary,
  FirewallTable,
  HookSummary,
  PortRange,
  RuleAction,
} from './firewall.model';
export { isHarmlessUnsupported } from './firewall-match';
export { parseIptablesSave } from './iptables-save.parser';
export { parseNftRuleset } from './nft-ruleset.parser';
export { summarizeFirewall } from './firewall-summary';
export { firewallVerdict, PACKET_HOOKS, PACKET_PROTOCOLS } from './firewall-verdict';
export type { FirewallPacket, FirewallVerdict, PacketHook } from './firewall-verdict';
export { firewallExposure } from './firewall-exposure';
export type {
  ExposureEntry,
  ExposureOptions,
  FirewallExposure,
  UncertainExposureEntry,
} from './firewall-exposure';
export { diffFirewall } from './firewall-diff';
export { iptablesSaveHandler, nftRulesetHandler } from './firewall.handlers';

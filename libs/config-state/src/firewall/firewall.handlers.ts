import type { ConfigKindHandler } from '../config-kind-handler';
import { diffFirewall } from './firewall-diff';
import { protocolsOpenToAll } from './firewall-exposure';
import { summarizeFirewall } from './firewall-summary';
import { type FirewallFacts, firewallFactsSchema, type FirewallRuleset } from './firewall.model';
import { parseIptablesSave } from './iptables-save.parser';
import { parseNftRuleset } from './nft-ruleset.parser';

function facts(ruleset: FirewallRuleset): FirewallFacts {
  const summary = summarizeFirewall(ruleset);
  for (const hook of ['input', 'forward', 'output'] as const) {
    summary[hook].openToAll = protocolsOpenToAll(ruleset, hook);
  }
  return { ...ruleset, summary };
}

export const iptablesSaveHandler: ConfigKindHandler<FirewallFacts> = {
  kind: 'iptables-save',
  description:
    'The output of `iptables-save` or `ip6tables-save` (iptables-legacy or iptables-nft; both may be ' +
    'concatenated, with or without -c counters): tables, chains, policies and rules.',
  parse: (content) => facts(parseIptablesSave(content)),
  factsSchema: firewallFactsSchema,
  diff: (before, after) => diffFirewall(before, after),
};

export const nftRulesetHandler: ConfigKindHandler<FirewallFacts> = {
  kind: 'nft-ruleset',
  description:
    'The JSON output of `nft -j list ruleset` (nftables): tables, chains with hooks, priorities and ' +
    'policies, rules and named sets.',
  parse: (content) => facts(parseNftRuleset(content)),
  factsSchema: firewallFactsSchema,
  diff: (before, after) => diffFirewall(before, after),
};

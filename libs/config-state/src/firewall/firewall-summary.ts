import type { IpFamily } from './firewall-address';
import { matchesEveryNewPacket } from './firewall-match';
import type {
  FirewallChain,
  FirewallFamily,
  FirewallRuleset,
  FirewallSummary,
  HookSummary,
} from './firewall.model';
import type { PacketHook } from './firewall-verdict';

type Deny = 'drop' | 'reject';

interface ChainDefault {
  /** What a NEW packet that no specific rule takes gets from this chain: a verdict, or none (return). */
  action: 'accept' | Deny | undefined;
  /** A rule that may deny (drop, reject, jump, goto, unknown target) comes before that verdict. */
  denyBefore: boolean;
}

const IP_FAMILIES: Readonly<Partial<Record<FirewallFamily, readonly IpFamily[]>>> = {
  ip: ['ipv4'],
  ip6: ['ipv6'],
  inet: ['ipv4', 'ipv6'],
};

/**
 * Default action per hook, from base-chain policies and unconditional catch-all rules, per IP
 * family the ruleset covers (a family without base chains on the hook is not described by the
 * document, so it does not count). See HookSummary.
 */
export function summarizeFirewall(ruleset: FirewallRuleset): FirewallSummary {
  const summary = (hook: PacketHook): HookSummary => {
    const chains = new Set<FirewallChain>();
    const perFamily: Array<{ action: 'accept' | Deny; acceptsAll: boolean }> = [];
    for (const family of ['ipv4', 'ipv6'] as const) {
      const bases = ruleset.tables
        .filter((t) => IP_FAMILIES[t.family]?.includes(family))
        .flatMap((t) => t.chains.map((chain) => ({ chain, table: t })))
        .filter(({ chain }) => chain.hook === hook && (chain.type ?? 'filter') === 'filter')
        .sort((a, b) => (a.chain.priority ?? 0) - (b.chain.priority ?? 0));
      if (bases.length === 0) continue;
      let action: 'accept' | Deny = 'accept';
      let acceptsAll = true;
      for (const { chain, table } of bases) {
        chains.add(chain);
        const byName = new Map(table.chains.map((c) => [c.name, c]));
        const result = chainDefault(chain, byName, 0);
        const chainAction = result.action ?? chain.policy ?? 'accept';
        if (chainAction !== 'accept' || result.denyBefore) acceptsAll = false;
        // Accept goes on to the next base chain; the first default deny is final.
        if (chainAction !== 'accept') {
          action = chainAction;
          break;
        }
      }
      perFamily.push({ action, acceptsAll });
    }
    const accepting = perFamily.some((f) => f.action === 'accept');
    return {
      chains: chains.size,
      rules: [...chains].reduce((n, chain) => n + chain.rules.length, 0),
      defaultAction: perFamily.length === 0 || accepting ? 'accept' : (perFamily[0]?.action ?? 'accept'),
      defaultDeny: perFamily.length > 0 && !accepting,
      acceptsAll: perFamily.length === 0 || perFamily.some((f) => f.acceptsAll),
    };
  };
  return { input: summary('input'), forward: summary('forward'), output: summary('output') };
}

function chainDefault(chain: FirewallChain, byName: Map<string, FirewallChain>, depth: number): ChainDefault {
  let denyBefore = false;
  for (const rule of chain.rules) {
    const catchAll = matchesEveryNewPacket(rule.match);
    switch (rule.action) {
      case 'accept':
      case 'drop':
      case 'reject':
        if (catchAll) return { action: rule.action, denyBefore };
        if (rule.action !== 'accept') denyBefore = true;
        break;
      case 'return':
        if (catchAll) return { action: undefined, denyBefore };
        break;
      case 'jump':
      case 'goto': {
        const target = rule.target !== undefined ? byName.get(rule.target) : undefined;
        if (catchAll && target && depth < 16) {
          // Every new packet enters the chain: its own catch-all (if any) decides.
          const inner = chainDefault(target, byName, depth + 1);
          denyBefore ||= inner.denyBefore;
          if (inner.action !== undefined) return { action: inner.action, denyBefore };
          if (rule.action === 'goto') return { action: undefined, denyBefore };
        } else {
          denyBefore = true;
        }
        break;
      }
      case 'other':
        if (rule.target !== undefined) denyBefore = true;
        break;
      case 'log':
        break;
    }
  }
  return { action: undefined, denyBefore };
}

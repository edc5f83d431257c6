import type { ConfigChange } from '../config-document.model';
import { type FirewallChain, type FirewallRuleset, tableLabel } from './firewall.model';

/** Above this many cells the LCS table is not built; the differing middle is reported whole. */
const MAX_LCS_CELLS = 4_000_000;

/**
 * Semantic changes between two rulesets, by chain ("filter/INPUT", "inet filter/input"): chains
 * added or removed (with their rules), a chain redefined (other hook, type or priority: reported
 * as removed and added), policies changed, and rules added or removed by text, aligned with a
 * longest common subsequence so that one inserted rule is one addition and a moved rule is a
 * removal and an addition. Positions are 1-based (in `before` for removals, `after` for
 * additions). Chains in path order, rule changes in chain order.
 */
export function diffFirewall(before: FirewallRuleset, after: FirewallRuleset): ConfigChange[] {
  const old = chainsByPath(before);
  const now = chainsByPath(after);
  const paths = [...new Set([...old.keys(), ...now.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const changes: ConfigChange[] = [];
  for (const path of paths) {
    const a = old.get(path);
    const b = now.get(path);
    if (a && b && sameDefinition(a, b)) {
      if (a.policy !== b.policy) {
        changes.push({
          type: 'policy-changed',
          path,
          from: a.policy ?? null,
          to: b.policy ?? null,
          description: `policy of ${path} changed from ${a.policy ?? 'none'} to ${b.policy ?? 'none'}`,
        });
      }
      changes.push(...diffRules(path, a, b));
      continue;
    }
    if (a) {
      changes.push({
        type: 'chain-removed',
        path,
        from: describe(a),
        description: `chain removed: ${path} (${describe(a)})`,
      });
    }
    if (b) {
      changes.push({
        type: 'chain-added',
        path,
        to: describe(b),
        description: `chain added: ${path} (${describe(b)})`,
      });
    }
    changes.push(...diffRules(path, a, b));
  }
  return changes;
}

function chainsByPath(ruleset: FirewallRuleset): Map<string, FirewallChain> {
  const out = new Map<string, FirewallChain>();
  for (const table of ruleset.tables) {
    const label = tableLabel(ruleset.backend, table);
    for (const chain of table.chains) out.set(`${label}/${chain.name}`, chain);
  }
  return out;
}

function sameDefinition(a: FirewallChain, b: FirewallChain): boolean {
  return a.hook === b.hook && a.type === b.type && a.priority === b.priority;
}

function describe(chain: FirewallChain): string {
  if (chain.hook === undefined) return `user chain, ${chain.rules.length} rules`;
  const parts = [`${chain.type ?? 'filter'} hook ${chain.hook}`];
  if (chain.priority !== undefined) parts.push(`priority ${chain.priority}`);
  if (chain.policy !== undefined) parts.push(`policy ${chain.policy}`);
  parts.push(`${chain.rules.length} rules`);
  return parts.join(', ');
}

function diffRules(path: string, a: FirewallChain | undefined, b: FirewallChain | undefined): ConfigChange[] {
  const x = a?.rules.map((r) => r.text) ?? [];
  const y = b?.rules.map((r) => r.text) ?? [];
  const changes: ConfigChange[] = [];
  const removed = (i: number): void => {
    changes.push({
      type: 'rule-removed',
      path,
      from: x[i],
      description: `rule removed from ${path} at position ${i + 1}: ${x[i] ?? ''}`,
    });
  };
  const added = (j: number): void => {
    changes.push({
      type: 'rule-added',
      path,
      to: y[j],
      description: `rule added to ${path} at position ${j + 1}: ${y[j] ?? ''}`,
    });
  };
  for (const [op, index] of alignment(x, y)) (op === '-' ? removed : added)(index);
  return changes;
}

/** Edit script turning x into y: removals ("-", index in x) and additions ("+", index in y). */
function alignment(x: readonly string[], y: readonly string[]): Array<['-' | '+', number]> {
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  const n = endX - start;
  const m = endY - start;
  const script: Array<['-' | '+', number]> = [];
  if (n * m > MAX_LCS_CELLS) {
    for (let i = start; i < endX; i++) script.push(['-', i]);
    for (let j = start; j < endY; j++) script.push(['+', j]);
    return script;
  }
  // lcs[i][j]: LCS length of x[start+i..endX) and y[start+j..endY).
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i];
    const below = lcs[i + 1];
    for (let j = m - 1; j >= 0; j--) {
      row[j] =
        x[start + i] === y[start + j] ? (below[j + 1] ?? 0) + 1 : Math.max(below[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[start + i] === y[start + j]) {
      i++;
      j++;
    } else if (j >= m || (i < n && (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      script.push(['-', start + i]);
      i++;
    } else {
      script.push(['+', start + j]);
      j++;
    }
  }
  return script;
}

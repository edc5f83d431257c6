import type { PortRange } from './firewall.model';

/** A match on a value set, possibly negated ("! --dport 22" matches every port but 22). */
export interface SetMatch<T> {
  values: T[];
  negated: boolean;
}

/**
 * Two matches on the same field of one iptables rule: iptables ANDs every match of a rule, so
 * `-m tcp --dport 22 -m multiport --dports 23,443` matches no port at all. The result is one match
 * with the same meaning: both positive, the intersection; one negated, the positive set less the
 * negated one; both negated, the union, negated. An empty positive set matches nothing.
 */
export function conjoin<T>(
  a: SetMatch<T>,
  b: SetMatch<T>,
  ops: { intersect(x: T[], y: T[]): T[]; subtract(x: T[], y: T[]): T[]; union(x: T[], y: T[]): T[] },
): SetMatch<T> {
  if (!a.negated && !b.negated) return { values: ops.intersect(a.values, b.values), negated: false };
  if (!a.negated) return { values: ops.subtract(a.values, b.values), negated: false };
  if (!b.negated) return { values: ops.subtract(b.values, a.values), negated: false };
  return { values: ops.union(a.values, b.values), negated: true };
}

const PORTS = 65536;

function bitmap(ranges: readonly PortRange[]): Uint8Array {
  const bits = new Uint8Array(PORTS);
  for (const { from, to } of ranges) bits.fill(1, from, to + 1);
  return bits;
}

function ranges(bits: Uint8Array): PortRange[] {
  const out: PortRange[] = [];
  for (let port = 0; port < PORTS; port++) {
    if (!bits[port]) continue;
    const from = port;
    while (port + 1 < PORTS && bits[port + 1]) port++;
    out.push({ from, to: port });
  }
  return out;
}

function combine(x: readonly PortRange[], y: readonly PortRange[], keep: (a: number, b: number) => boolean) {
  const [a, b] = [bitmap(x), bitmap(y)];
  const bits = new Uint8Array(PORTS);
  for (let port = 0; port < PORTS; port++) bits[port] = keep(a[port] ?? 0, b[port] ?? 0) ? 1 : 0;
  return ranges(bits);
}

export const PORT_SET_OPS = {
  intersect: (x: PortRange[], y: PortRange[]) => combine(x, y, (a, b) => a === 1 && b === 1),
  subtract: (x: PortRange[], y: PortRange[]) => combine(x, y, (a, b) => a === 1 && b === 0),
  union: (x: PortRange[], y: PortRange[]) => combine(x, y, (a, b) => a === 1 || b === 1),
};

export const STRING_SET_OPS = {
  intersect: (x: string[], y: string[]) => x.filter((v) => y.includes(v)),
  subtract: (x: string[], y: string[]) => x.filter((v) => !y.includes(v)),
  union: (x: string[], y: string[]) => [...x, ...y.filter((v) => !x.includes(v))],
};

import ipaddr from 'ipaddr.js';

import type { Target } from './target';

export interface ShardPrefix {
  ipv4: number;
  ipv6: number;
}

/** One shard: the targets of one block (e.g. one /24), scanned as one job. */
export interface Shard {
  /** The block, as a CIDR. */
  block: string;
  /** What nmap scans: the whole block, or the addresses and smaller blocks inside it. */
  targets: string[];
}

interface Entry {
  value: string;
  range: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

/**
 * Splits a scope's targets into shards of one block each (default /24 and /120): a wider CIDR
 * becomes one shard per block, and addresses or narrower CIDRs are grouped by the block they lie
 * in. Targets covered by another target of the same shard are dropped, so no address is scanned
 * twice. Shards come in address order. Hostnames must be resolved before.
 */
export function planShards(targets: readonly Target[], prefix: ShardPrefix): Shard[] {
  const blocks = new Map<string, { network: ipaddr.IPv4 | ipaddr.IPv6; entries: Entry[] }>();
  const add = (entry: Entry) => {
    const [addr] = entry.range;
    const bits = addr.kind() === 'ipv4' ? prefix.ipv4 : prefix.ipv6;
    const network = networkOf(addr, bits);
    const block = `${network.toString()}/${bits}`;
    const existing = blocks.get(block) ?? { network, entries: [] };
    existing.entries.push(entry);
    blocks.set(block, existing);
  };
  for (const target of targets) {
    if (target.kind === 'hostname') throw new Error(`planShards: resolve hostname ${target.value} first`);
    const [addrText, prefixText] = target.value.split('/');
    const addr = ipaddr.parse(addrText ?? '');
    const max = addr.kind() === 'ipv4' ? 32 : 128;
    const bits = prefixText === undefined ? max : Number(prefixText);
    const shardBits = addr.kind() === 'ipv4' ? prefix.ipv4 : prefix.ipv6;
    if (bits >= shardBits) {
      add({ value: target.value, range: [addr, bits] });
      continue;
    }
    // A block wider than a shard: one shard per sub-block.
    const count = 2 ** (shardBits - bits);
    const bytes = networkOf(addr, bits).toByteArray();
    for (let i = 0; i < count; i++) {
      const sub = ipaddr.fromByteArray(addBlock(bytes, i, shardBits));
      add({ value: `${sub.toString()}/${shardBits}`, range: [sub, shardBits] });
    }
  }
  return [...blocks.entries()]
    .sort(([, a], [, b]) => compareBytes(a.network.toByteArray(), b.network.toByteArray()))
    .map(([block, { entries }]) => ({ block, targets: withoutCovered(entries) }));
}

/** Keeps each entry not covered by a wider (or equal, earlier) entry of the same shard. */
function withoutCovered(entries: Entry[]): string[] {
  const sorted = [...entries].sort((a, b) => a.range[1] - b.range[1]);
  const kept: Entry[] = [];
  for (const entry of sorted) {
    const covered = kept.some((k) => k.range[1] <= entry.range[1] && entry.range[0].match(k.range));
    if (!covered) kept.push(entry);
  }
  return kept
    .sort(
      (a, b) => compareBytes(a.range[0].toByteArray(), b.range[0].toByteArray()) || a.range[1] - b.range[1],
    )
    .map((e) => e.value);
}

function networkOf(addr: ipaddr.IPv4 | ipaddr.IPv6, bits: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const cidr = `${addr.toString()}/${bits}`;
  return addr.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
    : ipaddr.IPv6.networkAddressFromCIDR(cidr);
}

/** The network bytes plus `index` blocks of the shard size: index << (width - bits), added bytewise. */
function addBlock(bytes: readonly number[], index: number, bits: number): number[] {
  const out = [...bytes];
  const shift = out.length * 8 - bits;
  let byte = out.length - 1 - Math.floor(shift / 8);
  let value = index * 2 ** (shift % 8);
  while (value > 0 && byte >= 0) {
    const sum = (out[byte] ?? 0) + (value % 256);
    out[byte] = sum % 256;
    value = Math.floor(value / 256) + Math.floor(sum / 256);
    byte--;
  }
  return out;
}

function compareBytes(a: number[], b: number[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

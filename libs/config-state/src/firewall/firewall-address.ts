/**
 * IPv4/IPv6 addresses as bigints, CIDRs as address intervals, and back: what the parsers use to
 * canonicalise addresses and what the analysis uses to compare a packet's zone with a rule's.
 */

export type IpFamily = 'ipv4' | 'ipv6';

export const FAMILY_BITS: Readonly<Record<IpFamily, number>> = { ipv4: 32, ipv6: 128 };

/** An inclusive range of addresses of one family. */
export interface AddressInterval {
  family: IpFamily;
  from: bigint;
  to: bigint;
}

export function maxAddress(family: IpFamily): bigint {
  return (1n << BigInt(FAMILY_BITS[family])) - 1n;
}

/** The family a CIDR string written by these parsers belongs to (canonical text only). */
export function cidrFamily(cidr: string): IpFamily {
  return cidr.includes(':') ? 'ipv6' : 'ipv4';
}

export function parseIpAddress(text: string): { family: IpFamily; value: bigint } | undefined {
  if (/^[0-9.]+$/.test(text)) {
    const value = parseIpv4(text);
    return value === undefined ? undefined : { family: 'ipv4', value };
  }
  const value = parseIpv6(text);
  return value === undefined ? undefined : { family: 'ipv6', value };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // No leading zeros: "010" is octal to some tools and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return undefined;
  let groups = text;
  let tail: bigint[] = [];
  const embedded = /^(.*:)([0-9]+\.[0-9.]+)$/.exec(text);
  if (embedded) {
    const v4 = parseIpv4(embedded[2] ?? '');
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    groups = (embedded[1] ?? '').endsWith('::') ? (embedded[1] ?? '') : (embedded[1] ?? '').slice(0, -1);
  }
  const halves = groups.split('::');
  if (halves.length > 2) return undefined;
  const split = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = split(halves[0] ?? '');
  const rest = halves.length === 2 ? split(halves[1] ?? '') : [];
  if (![...head, ...rest].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined;
  const values = [
    ...head.map((g) => BigInt(`0x${g}`)),
    ...Array<bigint>(8 - given).fill(0n),
    ...rest.map((g) => BigInt(`0x${g}`)),
    ...tail,
  ];
  return values.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function formatAddress(family: IpFamily, value: bigint): string {
  if (family === 'ipv4') {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((value >> shift) & 0xffffn));
  // RFC 5952: the longest run (>= 2) of zero groups becomes "::", the first such run on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** A parsed CIDR: network address (host bits cleared) and prefix length. */
export interface Cidr {
  family: IpFamily;
  network: bigint;
  prefix: number;
}

/**
 * "198.18.0.1", "198.18.0.0/15", "198.18.0.0/255.254.0.0" (contiguous masks only, as
 * iptables-save prints some), "2001:db8::/32". Host bits are cleared, as iptables does.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash < 0 ? text : text.slice(0, slash));
  if (!address) return undefined;
  const bits = FAMILY_BITS[address.family];
  let prefix = bits;
  if (slash >= 0) {
    const suffix = text.slice(slash + 1);
    if (/^(0|[1-9][0-9]{0,2})$/.test(suffix)) {
      prefix = Number(suffix);
      if (prefix > bits) return undefined;
    } else if (address.family === 'ipv4' && suffix.includes('.')) {
      const mask = parseIpv4(suffix);
      if (mask === undefined) return undefined;
      prefix = maskPrefix(mask, 32);
      if (prefix < 0) return undefined;
    } else {
      return undefined;
    }
  }
  return { family: address.family, network: address.value & prefixMask(address.family, prefix), prefix };
}

/** The prefix length of a contiguous netmask, -1 when the mask has holes. */
function maskPrefix(mask: bigint, bits: number): number {
  for (let prefix = 0; prefix <= bits; prefix++) {
    if (prefixMask('ipv4', prefix) === mask) return prefix;
  }
  return -1;
}

function prefixMask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(FAMILY_BITS[family]);
  return maxAddress(family) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr.family, cidr.network)}/${cidr.prefix}`;
}

/** The canonical text of an address or CIDR ("198.18.0.1" → "198.18.0.1/32"), or undefined. */
export function canonicalCidr(text: string): string | undefined {
  const cidr = parseCidr(text);
  return cidr && formatCidr(cidr);
}

export function cidrInterval(cidr: Cidr): AddressInterval {
  const size = 1n << BigInt(FAMILY_BITS[cidr.family] - cidr.prefix);
  return { family: cidr.family, from: cidr.network, to: cidr.network + size - 1n };
}

/** The interval of a canonical CIDR string; undefined if it does not parse. */
export function intervalOf(text: string): AddressInterval | undefined {
  const cidr = parseCidr(text);
  return cidr && cidrInterval(cidr);
}

/** The fewest CIDRs covering exactly [from, to]. */
export function intervalToCidrs(family: IpFamily, from: bigint, to: bigint): string[] {
  const bits = FAMILY_BITS[family];
  const out: string[] = [];
  let start = from;
  while (start <= to) {
    let size = 0; // host bits of the largest block aligned at start that fits
    while (size < bits) {
      const next = size + 1;
      const block = 1n << BigInt(next);
      if (start % block !== 0n || start + block - 1n > to) break;
      size = next;
    }
    out.push(`${formatAddress(family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return out;
}

/** Sorts and merges overlapping or adjacent intervals (all of one family). */
export function mergeIntervals(intervals: readonly AddressInterval[]): AddressInterval[] {
  const sorted = [...intervals].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const out: AddressInterval[] = [];
  for (const interval of sorted) {
    const last = out[out.length - 1];
    if (last && interval.from <= last.to + 1n) {
      if (interval.to > last.to) last.to = interval.to;
    } else {
      out.push({ ...interval });
    }
  }
  return out;
}

/** How much of `zone` lies within the (merged, sorted) intervals: all, none or part. */
export function coverage(zone: AddressInterval, merged: readonly AddressInterval[]): 'all' | 'none' | 'part' {
  let covered = 0n;
  for (const interval of merged) {
    if (interval.to < zone.from) continue;
    if (interval.from > zone.to) break;
    const from = interval.from > zone.from ? interval.from : zone.from;
    const to = interval.to < zone.to ? interval.to : zone.to;
    covered += to - from + 1n;
  }
  if (covered === 0n) return 'none';
  return covered === zone.to - zone.from + 1n ? 'all' : 'part';
}

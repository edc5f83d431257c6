import ipaddr from 'ipaddr.js';

export type TargetKind = 'ipv4' | 'ipv6' | 'cidr4' | 'cidr6' | 'hostname';

export interface Target {
  kind: TargetKind;
  /** Normalised form: lower-case hostname, canonical address, CIDR with its network address. */
  value: string;
}

export type TargetParseResult = { ok: true; target: Target } | { ok: false; reason: string };

const MAX_TARGET_LENGTH = 253;
// RFC 1123 labels: letters, digits and inner hyphens; no label may start with '-', so a
// hostname can never be read as an option by a program it is passed to.
const HOSTNAME_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Smallest IPv4 / IPv6 prefixes a single scope target may cover (a /16 is 65,536 addresses).
const MIN_PREFIX = { ipv4: 16, ipv6: 112 } as const;

/**
 * Parse one scan target. Accepts an IPv4 or IPv6 address, a CIDR block, or a DNS hostname;
 * anything else (whitespace, shell metacharacters, option-like strings, ranges) is refused.
 */
export function parseTarget(input: string): TargetParseResult {
  if (typeof input !== 'string' || input.length === 0)
    return { ok: false, reason: 'must be a non-empty string' };
  if (input.length > MAX_TARGET_LENGTH)
    return { ok: false, reason: `must be at most ${MAX_TARGET_LENGTH} characters` };
  if (!/^[A-Za-z0-9.:/-]+$/.test(input)) {
    return {
      ok: false,
      reason: 'may contain only letters, digits and . : / - (an address, a CIDR or a hostname)',
    };
  }
  if (input.startsWith('-')) return { ok: false, reason: 'must not start with "-"' };

  if (input.includes('/')) return parseCidr(input);
  if (ipaddr.IPv4.isValidFourPartDecimal(input)) {
    return { ok: true, target: { kind: 'ipv4', value: ipaddr.IPv4.parse(input).toString() } };
  }
  if (input.includes(':')) {
    if (!ipaddr.IPv6.isValid(input)) return { ok: false, reason: 'is not a valid IPv6 address' };
    const v6 = ipaddr.IPv6.parse(input);
    if (v6.zoneId) return { ok: false, reason: 'must not carry an IPv6 zone id' };
    return { ok: true, target: { kind: 'ipv6', value: v6.toString() } };
  }
  if (/^[0-9.]+$/.test(input)) return { ok: false, reason: 'is not a valid IPv4 address' };
  // nmap's octet ranges (192.0.2.1-5, 192.0.2-3.1) would otherwise pass as a hostname whose
  // last label is "1-5", and fail only when the scan cannot resolve it.
  if (/^[0-9.-]+$/.test(input)) {
    return {
      ok: false,
      reason: 'is an address range, which is not supported: give addresses or a CIDR block',
    };
  }
  const name = input.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  if (labels.some((l) => !HOSTNAME_LABEL.test(l))) return { ok: false, reason: 'is not a valid hostname' };
  // A top-level label has a letter (RFC 3696, 2): all digits and hyphens is no name.
  if (!/[a-z]/.test(labels[labels.length - 1] ?? '')) return { ok: false, reason: 'is not a valid hostname' };
  return { ok: true, target: { kind: 'hostname', value: name } };
}

function parseCidr(input: string): TargetParseResult {
  const [addr, prefixText, ...rest] = input.split('/');
  if (rest.length > 0 || !addr || !prefixText || !/^[0-9]{1,3}$/.test(prefixText)) {
    return { ok: false, reason: 'is not a valid CIDR block' };
  }
  const prefix = Number(prefixText);
  if (ipaddr.IPv4.isValidFourPartDecimal(addr)) {
    if (prefix > 32) return { ok: false, reason: 'has an IPv4 prefix length above 32' };
    if (prefix < MIN_PREFIX.ipv4) return { ok: false, reason: `must not be wider than /${MIN_PREFIX.ipv4}` };
    const network = ipaddr.IPv4.networkAddressFromCIDR(input);
    return { ok: true, target: { kind: 'cidr4', value: `${network.toString()}/${prefix}` } };
  }
  if (addr.includes(':') && ipaddr.IPv6.isValid(addr)) {
    if (prefix > 128) return { ok: false, reason: 'has an IPv6 prefix length above 128' };
    if (prefix < MIN_PREFIX.ipv6) return { ok: false, reason: `must not be wider than /${MIN_PREFIX.ipv6}` };
    const network = ipaddr.IPv6.networkAddressFromCIDR(input);
    return { ok: true, target: { kind: 'cidr6', value: `${network.toString()}/${prefix}` } };
  }
  return { ok: false, reason: 'is not a valid CIDR block' };
}

/** A network an address or CIDR must lie within, e.g. the configured scan allowlist. */
export type Network = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function parseNetwork(cidr: string): Network {
  if (!cidr.includes('/')) {
    const a = ipaddr.parse(cidr);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  }
  return ipaddr.parseCIDR(cidr);
}

/** True when every address the target covers lies inside one of the networks. Hostnames are not judged here. */
export function targetWithinNetworks(target: Target, networks: readonly Network[]): boolean {
  if (target.kind === 'hostname') return false;
  const [addrText, prefixText] = target.value.split('/');
  const addr = ipaddr.parse(addrText ?? '');
  const prefix = prefixText === undefined ? (addr.kind() === 'ipv4' ? 32 : 128) : Number(prefixText);
  return networks.some(
    ([net, bits]) => addr.kind() === net.kind() && bits <= prefix && addr.match([net, bits] as never),
  );
}

export function addressWithinNetworks(address: string, networks: readonly Network[]): boolean {
  if (!ipaddr.isValid(address)) return false;
  let addr = ipaddr.parse(address);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  return networks.some(([net, bits]) => addr.kind() === net.kind() && addr.match([net, bits] as never));
}

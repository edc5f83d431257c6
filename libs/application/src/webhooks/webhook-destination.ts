import ipaddr from 'ipaddr.js';

import { addressWithinNetworks, type Network, parseNetwork } from '@driftwatch/core';

/**
 * Why a webhook may not connect to `address`, or null when it may. Driftwatch knows where an
 * organisation's weak spots are, and its webhooks POST to URLs an API user chose: without this
 * check a webhook is a way to make the server send requests into its own networks (SSRF: cloud
 * metadata at 169.254.169.254, admin ports on loopback, internal services). Only public unicast
 * addresses are reachable, plus the networks an operator lists in WEBHOOK_ALLOWED_NETWORKS. An
 * IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
 */
export function destinationProblem(address: string, allowedNetworks: readonly Network[]): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  // ::a.b.c.d, IPv4-compatible IPv6 (deprecated by RFC 4291): ipaddr.js calls it unicast, and a
  // host that still routes it reaches the IPv4 address inside (::127.0.0.1 is loopback).
  if (parsed.kind() === 'ipv6' && range === 'unicast' && ipv4Compatible(parsed as ipaddr.IPv6)) {
    return `${parsed.toString()} is an IPv4-compatible IPv6 address (deprecated), which webhooks may not reach`;
  }
  if (range === 'unicast' || addressWithinNetworks(parsed.toString(), allowedNetworks)) return null;
  return (
    `${parsed.toString()} is a ${RANGE_NAMES[range] ?? `${range} (special-purpose)`} address, ` +
    'which webhooks may not reach unless WEBHOOK_ALLOWED_NETWORKS lists it'
  );
}

function ipv4Compatible(address: ipaddr.IPv6): boolean {
  return address.parts.slice(0, 6).every((part) => part === 0);
}

export function parseNetworks(cidrs: readonly string[]): Network[] {
  return cidrs.map(parseNetwork);
}

const RANGE_NAMES: Partial<Record<string, string>> = {
  loopback: 'loopback',
  private: 'private (RFC 1918)',
  linkLocal: 'link-local',
  uniqueLocal: 'unique local (fc00::/7)',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
  reserved: 'reserved or documentation',
};

import type { HostAddress, HostObservation } from './snapshot.model';

/** An address with its family: what hosts are identified and ordered by. */
export type AddressRef = Pick<HostAddress, 'addr' | 'type'>;

const FAMILY_RANK: Record<AddressRef['type'], number> = { ipv4: 0, ipv6: 1, mac: 2 };

/**
 * The address a host is identified by across scans: ndiff's `sorted(addresses)[0]`, i.e. IPv4
 * before IPv6 before MAC, and the lowest string within a family. Undefined for a host without one.
 */
export function identityAddress(host: Pick<HostObservation, 'addresses'>): HostAddress | undefined {
  let best: HostAddress | undefined;
  for (const address of host.addresses) {
    if (!best || compareNdiff(address, best) < 0) best = address;
  }
  return best;
}

function compareNdiff(a: AddressRef, b: AddressRef): number {
  return FAMILY_RANK[a.type] - FAMILY_RANK[b.type] || (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0);
}

/** Addresses in display order: family (IPv4, IPv6, MAC), then numerically. */
export function compareAddresses(a: AddressRef, b: AddressRef): number {
  const family = FAMILY_RANK[a.type] - FAMILY_RANK[b.type];
  if (family !== 0) return family;
  const x = addressBytes(a);
  const y = addressBytes(b);
  if (x && y) {
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (x[i] ?? -1) - (y[i] ?? -1);
      if (d !== 0) return d;
    }
  } else if (x || y) {
    return x ? -1 : 1; // parseable before unparseable
  }
  return a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0;
}

/** The address as numbers for ordering (bytes of IPv4/MAC, 16-bit groups of IPv6), if it parses. */
function addressBytes({ addr, type }: AddressRef): number[] | undefined {
  if (type === 'ipv4') {
    const parts = addr.split('.');
    if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255))
      return undefined;
    return parts.map(Number);
  }
  if (type === 'mac') {
    const parts = addr.split(/[:-]/);
    if (parts.length !== 6 || !parts.every((p) => /^[0-9a-f]{1,2}$/i.test(p))) return undefined;
    return parts.map((p) => parseInt(p, 16));
  }
  return ipv6Groups(addr);
}

function ipv6Groups(addr: string): number[] | undefined {
  let text = addr.replace(/%.*$/, ''); // zone index
  const v4 = /^(.*:)([0-9]{1,3}(?:\.[0-9]{1,3}){3})$/.exec(text);
  if (v4) {
    const b = addressBytes({ addr: v4[2] ?? '', type: 'ipv4' });
    if (!b) return undefined;
    const hex = (hi = 0, lo = 0) => ((hi << 8) | lo).toString(16);
    text = `${v4[1] ?? ''}${hex(b[0], b[1])}:${hex(b[2], b[3])}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s = '') => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (![...head, ...tail].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const given = head.length + tail.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined;
  return [...head, ...Array<string>(8 - given).fill('0'), ...tail].map((g) => parseInt(g, 16));
}

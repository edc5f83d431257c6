import { primaryAddress } from '@driftwatch/core';
import type { EvaluationInput, PortSubject } from './policy.model';

// A host nmap reported without any address still has its ports judged rather than dropped.
const NO_ADDRESS = 'unknown';

/** The subjects of 'port' rules: open ports on hosts that are up, sorted by address, port, protocol. */
export function portSubjects(input: EvaluationInput): PortSubject[] {
  const subjects: PortSubject[] = [];
  for (const host of input.hosts) {
    if (host.status !== 'up') continue;
    const address = primaryAddress(host) ?? NO_ADDRESS;
    for (const port of host.ports) {
      if (port.state === 'open') subjects.push({ address, host, port, scope: input.scope });
    }
  }
  return subjects.sort(
    (a, b) =>
      compareAddresses(a.address, b.address) ||
      a.port.port - b.port.port ||
      compareText(a.port.protocol, b.port.protocol),
  );
}

/** IPv4 numerically (10.0.0.2 before 10.0.0.10) and first; anything else by code units, locale-free. */
export function compareAddresses(a: string, b: string): number {
  const va = ipv4Value(a);
  const vb = ipv4Value(b);
  if (va !== undefined && vb !== undefined) return va - vb;
  if (va !== undefined) return -1;
  if (vb !== undefined) return 1;
  return compareText(a, b);
}

function ipv4Value(address: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

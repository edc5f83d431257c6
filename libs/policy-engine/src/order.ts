import type { RuleResult } from '@driftwatch/core';

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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

/** Results in a stable order whatever the input order: address, port, protocol, rule, subject. */
export function compareResults(a: RuleResult, b: RuleResult): number {
  return (
    compareAddresses(a.asset, b.asset) ||
    (a.port ?? -1) - (b.port ?? -1) ||
    compareText(a.protocol ?? '', b.protocol ?? '') ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.subject, b.subject)
  );
}

/** Sorts results in place as compareResults does, reading each address's numeric value once. */
export function sortResults(results: RuleResult[]): void {
  const values = new Map<string, number | undefined>();
  const valueOf = (address: string): number | undefined => {
    if (values.has(address)) return values.get(address);
    const value = ipv4Value(address);
    values.set(address, value);
    return value;
  };
  results.sort((a, b) => {
    if (a.asset !== b.asset) {
      const va = valueOf(a.asset);
      const vb = valueOf(b.asset);
      if (va !== undefined && vb !== undefined) return va - vb;
      if (va !== undefined) return -1;
      if (vb !== undefined) return 1;
      return compareText(a.asset, b.asset);
    }
    return (
      (a.port ?? -1) - (b.port ?? -1) ||
      compareText(a.protocol ?? '', b.protocol ?? '') ||
      compareText(a.ruleId, b.ruleId) ||
      compareText(a.subject, b.subject)
    );
  });
}

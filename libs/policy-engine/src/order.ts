import type { RuleResult } from '@driftwatch/core';

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A dotted-quad IPv4 address as a number (each part 1-3 digits, at most 255), else undefined. */
export function ipv4Value(address: string): number | undefined {
  // By hand rather than with a regular expression: evaluate orders every host's results by it.
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < address.length; i += 1) {
    const c = address.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 3) return undefined;
      octet = octet * 10 + (c - 48);
      digits += 1;
    } else if (c === 46 && digits > 0 && dots < 3 && octet <= 255) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots += 1;
    } else {
      return undefined;
    }
  }
  return dots === 3 && digits > 0 && octet <= 255 ? value * 256 + octet : undefined;
}

/** IPv4 numerically (10.0.0.2 before 10.0.0.10) and first, anything else by code units
 * (locale-free), each address's ipv4Value already read. */
export function compareAddressValues(
  a: string,
  va: number | undefined,
  b: string,
  vb: number | undefined,
): number {
  if (va !== undefined && vb !== undefined) return va - vb;
  if (va !== undefined) return -1;
  if (vb !== undefined) return 1;
  return compareText(a, b);
}

/** The order of one asset's results: port, protocol, rule, subject. */
export function compareWithinAsset(a: RuleResult, b: RuleResult): number {
  return (
    (a.port ?? -1) - (b.port ?? -1) ||
    compareText(a.protocol ?? '', b.protocol ?? '') ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.subject, b.subject)
  );
}

/**
 * The order of an evaluation's results, whatever the input order: address, then
 * compareWithinAsset. Each address's numeric value is read once: a sort or merge compares the
 * same addresses many times.
 */
export function resultComparator(): (a: RuleResult, b: RuleResult) => number {
  const values = new Map<string, number | undefined>();
  const valueOf = (address: string): number | undefined => {
    if (values.has(address)) return values.get(address);
    const value = ipv4Value(address);
    values.set(address, value);
    return value;
  };
  return (a, b) =>
    a.asset === b.asset
      ? compareWithinAsset(a, b)
      : compareAddressValues(a.asset, valueOf(a.asset), b.asset, valueOf(b.asset));
}

/** Two lists each sorted by `compare`, as one sorted list (ties: `a` first). */
export function mergeResults(
  a: readonly RuleResult[],
  b: readonly RuleResult[],
  compare: (x: RuleResult, y: RuleResult) => number,
): RuleResult[] {
  const merged = new Array<RuleResult>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    merged[k++] = compare(b[j], a[i]) < 0 ? b[j++] : a[i++];
  }
  while (i < a.length) merged[k++] = a[i++];
  while (j < b.length) merged[k++] = b[j++];
  return merged;
}

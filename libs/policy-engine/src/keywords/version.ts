/**
 * Version strings as services report them ("9.6p1", "2.4.58", "1.1.1w"): runs of digits compare
 * as numbers, runs of letters as text, a number sorts after letters (1.0 > 1.0rc1 is not
 * modelled; nmap rarely reports pre-releases). A string with no digit is not a version.
 */
export function parseVersion(text: string): (number | string)[] | undefined {
  if (!/\d/.test(text)) return undefined;
  const tokens = text.toLowerCase().match(/\d+|[a-z]+/g) ?? [];
  return tokens.map((t) => (/^\d+$/.test(t) ? Number(t) : t));
}

export function compareVersions(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return 1;
    if (typeof y === 'number') return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

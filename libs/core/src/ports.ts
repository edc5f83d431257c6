/** Port lists as users write them: single ports and "low-high" ranges, normalised to sorted ranges. */
export type PortSpecEntry = number | string;

export interface PortRange {
  from: number;
  to: number;
}

export type PortSpecResult = { ok: true; ranges: PortRange[] } | { ok: false; index: number; reason: string };

export const MAX_PORT = 65535;

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_PORT;
}

export function parsePortSpec(entries: readonly PortSpecEntry[]): PortSpecResult {
  const ranges: PortRange[] = [];
  for (const [index, entry] of entries.entries()) {
    if (typeof entry === 'number') {
      if (!isPort(entry))
        return { ok: false, index, reason: `${entry} is not a port number between 1 and ${MAX_PORT}` };
      ranges.push({ from: entry, to: entry });
      continue;
    }
    if (typeof entry !== 'string')
      return { ok: false, index, reason: 'must be a port number or a "low-high" range' };
    const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(entry);
    if (!m) return { ok: false, index, reason: `"${entry}" is not a port number or a "low-high" range` };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (!isPort(from) || !isPort(to)) {
      return { ok: false, index, reason: `"${entry}" is outside the port range 1-${MAX_PORT}` };
    }
    if (to < from) return { ok: false, index, reason: `"${entry}" has its high end below its low end` };
    ranges.push({ from, to });
  }
  return { ok: true, ranges: mergeRanges(ranges) };
}

export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** nmap's -p syntax for normalised ranges, e.g. "22,80,8000-8100". Built only from validated numbers. */
export function formatPortRanges(ranges: readonly PortRange[]): string {
  return ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',');
}

export function portInRanges(port: number, ranges: readonly PortRange[]): boolean {
  return ranges.some((r) => port >= r.from && port <= r.to);
}

export function countPorts(ranges: readonly PortRange[]): number {
  return ranges.reduce((n, r) => n + (r.to - r.from + 1), 0);
}

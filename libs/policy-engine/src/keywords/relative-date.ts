const RELATIVE = /^now(?:([+-])(\d{1,6})([dhm]))?$/;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/** The pattern a date keyword's value must match: "now", "now+30d", "now-90d", "now+12h" or an ISO date. */
export const DATE_BOUND_PATTERN =
  '^(now([+-][0-9]{1,6}[dhm])?|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2}))?)$';

/** Resolves a bound against the evaluation time; undefined for text that is neither form. */
export function resolveDateBound(bound: string, nowMs: number): number | undefined {
  const m = RELATIVE.exec(bound);
  if (m) {
    if (m[1] === undefined) return nowMs;
    const amount = Number(m[2]) * UNIT_MS[m[3] as keyof typeof UNIT_MS];
    return m[1] === '+' ? nowMs + amount : nowMs - amount;
  }
  const absolute = parseDateUtc(bound);
  return Number.isNaN(absolute) ? undefined : absolute;
}

// ISO 8601 only: Date.parse alone guesses a date from almost any text with a number in it.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
// nmap's ssl-cert prints dates without a zone ("2026-12-23T12:09:48"), meaning UTC; Date.parse
// would read them in the process's local time zone.
const NO_ZONE = /T[\d:.]+$/;

/** Milliseconds of an ISO 8601 date; a date-time without a zone is UTC. NaN for anything else. */
export function parseDateUtc(text: string): number {
  if (!ISO_DATE.test(text)) return Number.NaN;
  return Date.parse(NO_ZONE.test(text) ? `${text}Z` : text);
}

import { CronTime } from 'cron';

/** Scans are at most once a minute: five-field cron expressions, evaluated in UTC. */
export type ScheduleParseResult = { ok: true; cron: CronTime } | { ok: false; reason: string };

export function parseSchedule(expression: string): ScheduleParseResult {
  if (typeof expression !== 'string' || expression.trim() === '')
    return { ok: false, reason: 'must be a cron expression' };
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return {
      ok: false,
      reason: `must be a five-field cron expression (minute hour day month weekday), got ${fields.length} fields`,
    };
  }
  try {
    const cron = new CronTime(expression, 'UTC');
    const next = cron.getNextDateFrom(new Date());
    if (!next.isValid) return { ok: false, reason: 'never fires' };
    return { ok: true, cron };
  } catch (error: unknown) {
    return {
      ok: false,
      reason: `is not a valid cron expression (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

const MINUTE = 60_000;
/** How far back a slot is looked for: a leap-day schedule fires once in four years (eight at a century). */
const LOOKBACK_MS = 8 * 366 * 24 * 60 * MINUTE;

/**
 * The schedule slot a tick at `now` belongs to: the latest scheduled minute at or before now.
 * Every replica that fires for one slot computes the same instant, so it can key a job id, and
 * the instant is always a real slot, however late the tick (a blocked event loop, a paused VM):
 * a late replica never invents a slot the others do not share, so it cannot double a scan.
 */
export function scheduleSlot(expression: string, now: Date): Date {
  const parsed = parseSchedule(expression);
  if (!parsed.ok) throw new RangeError(`invalid schedule "${expression}": ${parsed.reason}`);
  const end = Math.floor(now.getTime() / MINUTE) * MINUTE;
  // Is there a scheduled minute in [from, end]? (getNextDateFrom is strictly after its argument.)
  const firesSince = (from: number) =>
    parsed.cron
      .getNextDateFrom(new Date(from - 1))
      .toJSDate()
      .getTime() <= end;
  if (firesSince(end)) return new Date(end);
  // Widen the window until it holds a scheduled minute, then bisect to the latest one: about
  // 40 cron lookups at worst, where stepping minute by minute could take millions.
  let span = MINUTE;
  while (!firesSince(end - span)) {
    if (span >= LOOKBACK_MS) return new Date(end);
    span = Math.min(span * 4, LOOKBACK_MS);
  }
  // Invariant: a scheduled minute lies in [lo, end] and none in [hi, end].
  let lo = end - span;
  let hi = end;
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
    if (firesSince(mid)) lo = mid;
    else hi = mid;
  }
  return new Date(lo);
}

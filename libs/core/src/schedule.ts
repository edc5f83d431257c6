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

/**
 * The schedule slot a tick at `now` belongs to: the latest scheduled minute at or before now.
 * Every replica that fires for one slot computes the same instant, so it can key a job id.
 */
export function scheduleSlot(expression: string, now: Date): Date {
  const parsed = parseSchedule(expression);
  if (!parsed.ok) throw new RangeError(`invalid schedule "${expression}": ${parsed.reason}`);
  // A tick fires at (or a little after) its scheduled minute; the next fire time counted from
  // one minute before `now` (plus a second of tolerance) is that minute.
  const from = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 60_000 + 1_000);
  const candidate = parsed.cron.getNextDateFrom(from).toJSDate();
  return candidate.getTime() <= now.getTime()
    ? candidate
    : new Date(Math.floor(now.getTime() / 60_000) * 60_000);
}

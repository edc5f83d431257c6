import { ValidateBy } from 'class-validator';

/**
 * The times the API takes: an RFC 3339 date-time with its UTC offset, to the millisecond at most
 * (the precision of every time the API writes), or a date alone (midnight UTC). ISO 8601 also
 * allows week dates, ordinal dates, basic format and comma fractions, which JavaScript's Date
 * cannot read (a 500), and times without an offset, which it reads in the server's own time zone
 * (two replicas in different zones gave different answers).
 */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2}))?$/;

const FIRST = Date.parse('0001-01-01T00:00:00.000Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * The API writes times in UTC (`toISOString`): 9999-12-31T23:59:59-12:00 is in year 10000 there,
 * written "+010000-01-01T11:59:59.000Z", which is not RFC 3339 and which the API would refuse back.
 */
function withinWrittenYears(time: number): boolean {
  return time >= FIRST && time <= LAST;
}

const PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?(?:Z|[+-](\d{2}):(\d{2})))?$/;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A time as `TIMESTAMP` writes it, on a real calendar day and clock time, in the years the API
 * writes back. Checked field by field: JavaScript's Date.parse takes 2026-02-30 (as 2 March) and
 * 24:00, and class-validator's strict ISO 8601 check refused every date of the years 0001-0099
 * (it builds its leap-year test with `new Date(year, ...)`, which reads them as 1900-1999).
 */
export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parts = PARTS.exec(value);
  if (!parts) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = parts
    .slice(1)
    .map((p) => (p === undefined ? 0 : Number(p)));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
  return (
    days !== undefined &&
    day >= 1 &&
    day <= days &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59 &&
    withinWrittenYears(Date.parse(value))
  );
}

/** A query or body time as `TIMESTAMP` describes, on a real calendar day: one reason when not. */
export function IsTimestamp(): PropertyDecorator {
  return ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) => isTimestamp(value),
      defaultMessage: () =>
        '$property must be an RFC 3339 time with its UTC offset, at most to the millisecond (2026-11-01T00:00:00Z), or a date (2026-11-01), in the years 0001 to 9999 once in UTC',
    },
  });
}

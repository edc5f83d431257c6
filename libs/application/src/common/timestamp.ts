import { isISO8601, ValidateBy } from 'class-validator';

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

/** A query or body time as `TIMESTAMP` describes, on a real calendar day: one reason when not. */
export function IsTimestamp(): PropertyDecorator {
  return ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        TIMESTAMP.test(value) &&
        isISO8601(value, { strict: true }) &&
        withinWrittenYears(Date.parse(value)),
      defaultMessage: () =>
        '$property must be an RFC 3339 time with its UTC offset, at most to the millisecond (2026-11-01T00:00:00Z), or a date (2026-11-01), in the years 0001 to 9999 once in UTC',
    },
  });
}

import { isTimestamp } from './timestamp';

describe('API times', () => {
  it.each([
    '2026-11-01',
    '2026-11-01T00:00:00Z',
    '2026-11-01T09:00:00.123+09:00',
    '2024-02-29',
    '2000-02-29T12:00:00Z',
    // The first years of the calendar: class-validator's strict check refused them all.
    '0001-01-01T00:00:00Z',
    '0050-06-15',
    '0004-02-29',
    '9999-12-31T23:59:59+14:00',
  ])('takes %s', (value) => {
    expect(isTimestamp(value)).toBe(true);
  });

  it.each([
    '2026-02-29',
    '1900-02-29',
    '2026-02-30T00:00:00Z',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-11-00',
    '2026-11-01T24:00:00Z',
    '2026-11-01T23:60:00Z',
    '2026-11-01T23:59:60Z',
    '2026-11-01T23:00:00+24:00',
    '2026-11-01T23:00:00+05:60',
    '0000-12-31',
    // Year 10000 once in UTC.
    '9999-12-31T23:59:59-12:00',
    '2026-11-01T00:00:00',
    '2026-W48',
    20261101,
  ])('refuses %s', (value) => {
    expect(isTimestamp(value)).toBe(false);
  });
});

import { parseSchedule, scheduleSlot } from './schedule';

describe('schedules', () => {
  it('accepts five-field cron expressions and refuses others', () => {
    expect(parseSchedule('*/15 * * * *').ok).toBe(true);
    expect(parseSchedule('0 2 * * 1-5').ok).toBe(true);
    expect(parseSchedule('* * * * * *')).toEqual({ ok: false, reason: expect.stringMatching(/five-field/) });
    expect(parseSchedule('61 * * * *').ok).toBe(false);
    expect(parseSchedule('not cron').ok).toBe(false);
  });

  it('maps every tick of one slot to the same instant, whichever replica fires and how late', () => {
    const slot = new Date('2026-11-23T10:15:00.000Z');
    for (const lateMs of [0, 3, 250, 999, 20_000, 59_000]) {
      expect(scheduleSlot('*/15 * * * *', new Date(slot.getTime() + lateMs))).toEqual(slot);
    }
    expect(scheduleSlot('* * * * *', new Date('2026-11-23T10:16:00.400Z'))).toEqual(
      new Date('2026-11-23T10:16:00.000Z'),
    );
  });

  it('keeps a tick that comes a slot or more late on its own slot, never on a minute the schedule lacks', () => {
    // An on-time replica fires 10:15 and 10:30; one whose event loop was blocked fires 10:15's tick
    // at 10:16:05. A slot of 10:16 would be a job id nobody else uses: a second scan.
    expect(scheduleSlot('*/15 * * * *', new Date('2026-11-23T10:16:05.000Z'))).toEqual(
      new Date('2026-11-23T10:15:00.000Z'),
    );
    expect(scheduleSlot('*/15 * * * *', new Date('2026-11-23T10:29:59.999Z'))).toEqual(
      new Date('2026-11-23T10:15:00.000Z'),
    );
    expect(scheduleSlot('0 2 * * 1-5', new Date('2026-11-23T09:00:00.000Z'))).toEqual(
      new Date('2026-11-23T02:00:00.000Z'), // a Monday
    );
    // Saturday: the latest weekday slot is Friday's.
    expect(scheduleSlot('0 2 * * 1-5', new Date('2026-11-28T12:00:00.000Z'))).toEqual(
      new Date('2026-11-27T02:00:00.000Z'),
    );
    expect(scheduleSlot('30 4 29 2 *', new Date('2026-11-23T10:00:00.000Z'))).toEqual(
      new Date('2024-02-29T04:30:00.000Z'),
    );
    // Every minute of the first day of a month, asked for mid-month: the last minute of that day.
    expect(scheduleSlot('* * 1 * *', new Date('2026-11-23T10:00:00.000Z'))).toEqual(
      new Date('2026-11-01T23:59:00.000Z'),
    );
  });

  it('finds the slot of any time as the latest scheduled minute, checked against a minute-by-minute walk', () => {
    // Dense schedules keep the walk short; the sparse ones are the cases above.
    const expressions = ['*/7 * * * *', '5,50 */3 * * *'];
    const start = Date.parse('2026-10-31T00:00:00.000Z');
    for (const expression of expressions) {
      const parsed = parseSchedule(expression);
      if (!parsed.ok) throw new Error(parsed.reason);
      for (let i = 0; i < 30; i++) {
        const now = new Date(start + i * 53 * 60_000 * 17 + i * 1_337);
        let walk = Math.floor(now.getTime() / 60_000) * 60_000;
        while (
          parsed.cron
            .getNextDateFrom(new Date(walk - 1))
            .toJSDate()
            .getTime() !== walk
        )
          walk -= 60_000;
        expect(scheduleSlot(expression, now)).toEqual(new Date(walk));
      }
    }
  });
});

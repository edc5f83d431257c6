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
});

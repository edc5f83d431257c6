import {
  MAX_ETA_SECONDS,
  MAX_TASK_NAME_LENGTH,
  NmapProgressTracker,
  parseTaskProgress,
  type NmapProgress,
} from './nmap-progress';

// Attribute sets as nmap 7.93 wrote them with --stats-every 1s (seen in real runs).
const FIRST = { task: 'Service scan', time: '1795451142', percent: '0.00' };
const SERVICE_25 = {
  task: 'Service scan',
  time: '1795451147',
  percent: '25.00',
  remaining: '34',
  etc: '1795451180',
};
const NSE = { task: 'NSE', time: '1795451275', percent: '97.73', remaining: '0', etc: '1795451275' };

describe('parseTaskProgress', () => {
  it('reads the attributes nmap writes: task, percent and the remaining seconds', () => {
    expect(parseTaskProgress(SERVICE_25)).toEqual({ task: 'Service scan', percent: 25, etaSeconds: 34 });
    expect(parseTaskProgress(NSE)).toEqual({ task: 'NSE', percent: 97.73, etaSeconds: 0 });
    expect(parseTaskProgress({ task: 'Service scan', percent: '100.00', remaining: '0' })).toEqual({
      task: 'Service scan',
      percent: 100,
      etaSeconds: 0,
    });
  });

  it('leaves the estimate out when nmap gives none (below 1% it writes only the percent)', () => {
    expect(parseTaskProgress(FIRST)).toEqual({ task: 'Service scan', percent: 0 });
  });

  it('falls back to etc - time when remaining is missing or unusable', () => {
    expect(parseTaskProgress({ ...SERVICE_25, remaining: undefined })).toMatchObject({ etaSeconds: 33 });
    expect(parseTaskProgress({ ...SERVICE_25, remaining: 'soon' })).toMatchObject({ etaSeconds: 33 });
    expect(parseTaskProgress({ ...SERVICE_25, remaining: '-3', etc: '1' })).not.toHaveProperty('etaSeconds');
  });

  it('drops an absurd estimate but keeps the percent', () => {
    expect(parseTaskProgress({ ...NSE, remaining: String(MAX_ETA_SECONDS + 1), etc: undefined })).toEqual({
      task: 'NSE',
      percent: 97.73,
    });
    expect(parseTaskProgress({ ...NSE, remaining: '1e9', etc: 'x' })).toEqual({
      task: 'NSE',
      percent: 97.73,
    });
  });

  it('tidies the task name: control characters and runs of blanks become one space, long names are cut', () => {
    expect(parseTaskProgress({ task: ' SYN\u0000Stealth\r\n\tScan \u001b[31m', percent: '1' })).toMatchObject(
      {
        task: 'SYN Stealth Scan [31m',
      },
    );
    const long = parseTaskProgress({ task: 'x'.repeat(10_000), percent: '1' });
    expect(long?.task).toHaveLength(MAX_TASK_NAME_LENGTH);
  });

  it.each([
    ['no object', null],
    ['undefined', undefined],
    ['a string', '<taskprogress task="x" percent="5"/>'],
    ['a number', 42],
    ['an array', ['Service scan', '5']],
    ['no attributes', {}],
    ['no task', { percent: '5.00' }],
    ['an empty task', { task: '', percent: '5.00' }],
    ['a blank task', { task: ' \t\u0007', percent: '5.00' }],
    ['a non-string task', { task: 7, percent: '5.00' }],
    ['no percent', { task: 'NSE' }],
    ['a numeric percent', { task: 'NSE', percent: 5 }],
    ['percent text', { task: 'NSE', percent: 'half' }],
    ['a negative percent', { task: 'NSE', percent: '-1.00' }],
    ['a percent over 100', { task: 'NSE', percent: '100.01' }],
    ['an exponent', { task: 'NSE', percent: '1e2' }],
    ['NaN', { task: 'NSE', percent: 'NaN' }],
    ['Infinity', { task: 'NSE', percent: 'Infinity' }],
    ['a hex percent', { task: 'NSE', percent: '0x10' }],
    ['an empty percent', { task: 'NSE', percent: '' }],
    ['a trailing dot', { task: 'NSE', percent: '50.' }],
    [
      'a throwing getter',
      Object.defineProperty({ percent: '5' }, 'task', {
        get() {
          throw new Error('boom');
        },
      }),
    ],
  ])('gives null, without throwing, for %s', (_what, input) => {
    expect(parseTaskProgress(input)).toBeNull();
  });

  it('never throws and only returns values in range, whatever strings it gets', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = [
      '',
      ' ',
      '0',
      '9',
      '.',
      '-',
      'e',
      '100',
      '99.99',
      '\u0000',
      '\n',
      'é',
      '"',
      '<',
      'NSE',
      '1e3',
    ];
    const text = () =>
      Array.from(
        { length: Math.floor(random() * 6) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join('');
    for (let i = 0; i < 5000; i++) {
      const input = { task: text(), percent: text(), remaining: text(), etc: text(), time: text() };
      const result = parseTaskProgress(input);
      if (result === null) continue;
      expect(result.task.length).toBeGreaterThan(0);
      expect(result.task.length).toBeLessThanOrEqual(MAX_TASK_NAME_LENGTH);
      expect(result.percent).toBeGreaterThanOrEqual(0);
      expect(result.percent).toBeLessThanOrEqual(100);
      if (result.etaSeconds !== undefined) {
        expect(Number.isInteger(result.etaSeconds)).toBe(true);
        expect(result.etaSeconds).toBeGreaterThanOrEqual(0);
        expect(result.etaSeconds).toBeLessThanOrEqual(MAX_ETA_SECONDS);
      }
    }
  });
});

describe('NmapProgressTracker', () => {
  const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  let reports: NmapProgress[];
  let tracker: NmapProgressTracker;
  const progress = (task: string, percent: string, remaining?: string) => ({ task, percent, remaining });

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    reports = [];
    tracker = new NmapProgressTracker({ onProgress: (p) => reports.push(p), minIntervalMs: 1000 });
  });
  afterEach(() => {
    tracker.close();
    jest.useRealTimers();
  });

  it('reports plain data: task, step, percent, estimate and when it arrived', () => {
    tracker.taskProgress(SERVICE_25);
    expect(reports).toEqual([
      { task: 'Service scan', step: 1, percent: 25, etaSeconds: 34, at: new Date(T0) },
    ]);
    tracker.taskProgress({ ...SERVICE_25, percent: '20.00' });
    jest.advanceTimersByTime(1000);
    expect(reports).toHaveLength(1); // a lower percent of the same step and the same estimate: nothing new
  });

  it('keeps percent monotonic within a step when nmap estimates lower', () => {
    tracker.taskProgress(progress('Connect Scan', '40.00', '60'));
    jest.advanceTimersByTime(1000);
    tracker.taskProgress(progress('Connect Scan', '38.50', '55'));
    jest.advanceTimersByTime(1000);
    tracker.taskProgress(progress('Connect Scan', '45.00', '50'));
    expect(reports.map((r) => [r.step, r.percent, r.etaSeconds])).toEqual([
      [1, 40, 60],
      [1, 40, 55],
      [1, 45, 50],
    ]);
  });

  it('drops repeats (nmap repeats the same NSE line every interval)', () => {
    for (let i = 0; i < 5; i++) {
      tracker.taskProgress(NSE);
      jest.advanceTimersByTime(1000);
    }
    expect(reports).toHaveLength(1);
  });

  it('starts a new step for another task, and for the same task after a host was written', () => {
    // Host groups: nmap writes each group's hosts, then starts the next group's port scan.
    tracker.taskProgress(progress('SYN Stealth Scan', '80.00', '5'));
    tracker.hostEnd();
    tracker.hostEnd();
    tracker.taskProgress(progress('SYN Stealth Scan', '5.00', '90'));
    tracker.taskProgress(progress('SYN Stealth Scan', '4.00', '80'));
    jest.advanceTimersByTime(1000);
    tracker.taskProgress(progress('Service scan', '10.00', '50'));
    expect(reports.map((r) => [r.task, r.step, r.percent])).toEqual([
      ['SYN Stealth Scan', 1, 80],
      ['SYN Stealth Scan', 2, 5],
      ['SYN Stealth Scan', 2, 5],
      ['Service scan', 3, 10],
    ]);
  });

  it('throttles within a step and sends the latest held-back report when the interval has passed', () => {
    tracker.taskProgress(progress('Connect Scan', '10.00', '90'));
    jest.advanceTimersByTime(200);
    tracker.taskProgress(progress('Connect Scan', '11.00', '89'));
    jest.advanceTimersByTime(200);
    tracker.taskProgress(progress('Connect Scan', '12.00', '88'));
    expect(reports.map((r) => r.percent)).toEqual([10]);
    jest.advanceTimersByTime(599);
    expect(reports.map((r) => r.percent)).toEqual([10]);
    jest.advanceTimersByTime(1);
    expect(reports.map((r) => r.percent)).toEqual([10, 12]);
    expect(reports[1]?.at).toEqual(new Date(T0 + 400)); // when nmap reported it, not when it was sent
    jest.advanceTimersByTime(5000);
    expect(reports).toHaveLength(2);
  });

  it('sends at once when the interval has already passed', () => {
    tracker.taskProgress(progress('Connect Scan', '10.00'));
    jest.advanceTimersByTime(1000);
    tracker.taskProgress(progress('Connect Scan', '20.00'));
    expect(reports.map((r) => r.percent)).toEqual([10, 20]);
  });

  it('sends the first report of a new step at once and forgets what the old step held back', () => {
    tracker.taskProgress(progress('Connect Scan', '10.00'));
    tracker.taskProgress(progress('Connect Scan', '90.00'));
    tracker.taskProgress(progress('Service scan', '0.00'));
    jest.advanceTimersByTime(5000);
    expect(reports.map((r) => [r.task, r.percent])).toEqual([
      ['Connect Scan', 10],
      ['Service scan', 0],
    ]);
  });

  it('reports nothing after close, including what was held back', () => {
    tracker.taskProgress(progress('Connect Scan', '10.00'));
    tracker.taskProgress(progress('Connect Scan', '20.00'));
    tracker.close();
    tracker.close();
    tracker.taskProgress(progress('NSE', '50.00'));
    jest.advanceTimersByTime(5000);
    expect(reports.map((r) => r.percent)).toEqual([10]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ignores unusable elements without counting a step', () => {
    tracker.taskProgress({ task: '', percent: '10' });
    tracker.taskProgress(null);
    tracker.taskProgress({ task: 'NSE', percent: 'lots' });
    tracker.taskProgress(progress('NSE', '10.00'));
    expect(reports).toEqual([expect.objectContaining({ task: 'NSE', step: 1 })]);
  });

  it('survives a listener that throws, telling onListenerError each time', () => {
    const errors: unknown[] = [];
    const failing = new NmapProgressTracker({
      onProgress: () => {
        throw new Error('listener broke');
      },
      onListenerError: (error) => {
        errors.push(error);
        throw new Error('and so did the error handler');
      },
      minIntervalMs: 0,
    });
    expect(() => {
      failing.taskProgress(progress('NSE', '10.00'));
      failing.taskProgress(progress('NSE', '20.00'));
    }).not.toThrow();
    expect(errors).toHaveLength(2);
    failing.close();
  });

  it('with minIntervalMs 0 sends every change at once', () => {
    const all: number[] = [];
    const eager = new NmapProgressTracker({ onProgress: (p) => all.push(p.percent), minIntervalMs: 0 });
    for (const percent of ['1.00', '2.00', '3.00']) eager.taskProgress(progress('NSE', percent));
    expect(all).toEqual([1, 2, 3]);
    eager.close();
  });
});

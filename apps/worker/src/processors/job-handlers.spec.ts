import { JobName } from '@driftwatch/queue';

import { assertEveryJobHandledOnce } from './job-handlers';

describe('job handler registry', () => {
  it('accepts the shipped processors: every job name handled exactly once', () => {
    expect(() => assertEveryJobHandledOnce()).not.toThrow();
  });

  it('fails boot when a job has no handler or two', () => {
    expect(() => assertEveryJobHandledOnce([[JobName.ManualScan, JobName.ScheduledScan]])).toThrow(
      /evaluate-snapshot: 0 handlers/,
    );
    expect(() =>
      assertEveryJobHandledOnce([
        [JobName.ManualScan, JobName.ScheduledScan],
        [JobName.EvaluateSnapshot, JobName.ManualScan],
      ]),
    ).toThrow(/manual-scan: 2 handlers/);
  });
});

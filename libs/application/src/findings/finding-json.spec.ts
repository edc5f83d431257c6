import { baselineSummary } from './finding.dto';
import { DriftwatchError } from '@driftwatch/core';

import { isoFromUtcText } from './finding-json';

describe('isoFromUtcText', () => {
  it('writes a UTC timestamp as Date#toISOString does, milliseconds truncated', () => {
    expect(isoFromUtcText('2026-08-25 06:39:14.610123')).toBe('2026-08-25T06:39:14.610Z');
    expect(isoFromUtcText('2026-08-25 06:39:14.9999')).toBe('2026-08-25T06:39:14.999Z');
    expect(isoFromUtcText('2026-08-25 06:39:14.5')).toBe('2026-08-25T06:39:14.500Z');
    expect(isoFromUtcText('2026-08-25 06:39:14')).toBe('2026-08-25T06:39:14.000Z');
    for (const text of ['2026-08-25 06:39:14.029', '2026-12-31 23:59:59.999999', '1970-01-01 00:00:00.001']) {
      expect(isoFromUtcText(text)).toBe(new Date(`${text.replace(' ', 'T')}Z`).toISOString());
    }
  });

  it('refuses a text it cannot read exactly rather than show a wrong date', () => {
    for (const text of [
      'infinity',
      '12026-08-25 06:39:14',
      '2026-08-25 06:39:14 BC',
      '08/25/2026 06:39:14',
    ]) {
      expect(() => isoFromUtcText(text)).toThrow(DriftwatchError);
    }
  });
});

describe('baselineSummary', () => {
  const message = '192.0.2.130 tcp/23 runs telnet';

  it('says a finding failing at the baseline was already failing', () => {
    expect(baselineSummary(true, '2026-11-04', '2026-11-03', message)).toBe(
      `Already failing at the baseline of 2026-11-04: ${message}`,
    );
  });

  it('says a finding new since the baseline has failed since it first failed', () => {
    expect(baselineSummary(false, '2026-11-04', '2026-11-05', message)).toBe(
      `Compliant at the baseline of 2026-11-04; failing since 2026-11-05: ${message}`,
    );
  });

  it('says a finding that failed before the baseline, resolved by it and failed again is failing again', () => {
    expect(baselineSummary(false, '2026-11-04', '2026-11-03', message)).toBe(
      `Compliant at the baseline of 2026-11-04; failing again since then (first failed 2026-11-03): ${message}`,
    );
  });
});

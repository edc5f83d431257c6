import { atOrAbove, type GateFinding, type GateInput, judgeGate } from './gate';

const NOW = '2026-04-02T12:00:00.000Z';

function finding(
  over: Partial<GateFinding> & { excepted?: boolean } = {},
): GateFinding & { excepted?: boolean } {
  return {
    fingerprint: `fp-${over.ruleId ?? 'r'}-${over.asset ?? '10.0.5.7'}-${over.severity ?? 'high'}`,
    ruleId: 'pci-dss-v4.1.2.6-insecure-cleartext-service',
    title: 'Cleartext service',
    requirements: ['PCI DSS v4.0.1 2.2.7'],
    severity: 'high',
    asset: '10.0.5.7',
    subject: 'tcp/23',
    message: '10.0.5.7 tcp/23 runs telnet',
    newSinceBaseline: true,
    ...over,
  };
}

function input(over: Partial<GateInput> = {}): GateInput {
  return {
    scope: { id: 's', name: 'cde' },
    failOn: 'high',
    mode: 'all',
    findings: [],
    rules: [],
    policy: { name: 'pci-dss-v4', version: 'v1' },
    baseline: { id: 'b', takenAt: '2026-03-31T00:00:00.000Z' },
    snapshot: { id: 'snap', takenAt: '2026-04-02T11:00:00.000Z' },
    maxSnapshotAgeSeconds: 86_400,
    now: NOW,
    ...over,
  };
}

describe('CI gate judgement', () => {
  it('passes a scope with a fresh snapshot and no finding at or above the threshold', () => {
    const result = judgeGate(
      input({ findings: [finding({ severity: 'medium' }), finding({ severity: 'low' })] }),
    );
    expect(result).toMatchObject({ verdict: 'pass', reasons: [], blocking: [] });
    expect(result.counts).toEqual({ critical: 0, high: 0, medium: 1, low: 1, info: 0 });
    expect(result.snapshot).toEqual({
      id: 'snap',
      takenAt: '2026-04-02T11:00:00.000Z',
      ageSeconds: 3600,
      stale: false,
    });
  });

  it('fails on a finding at or above the threshold, naming how many', () => {
    const result = judgeGate(
      input({ failOn: 'medium', findings: [finding({ severity: 'medium' }), finding({ severity: 'low' })] }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.reasons).toEqual(['1 finding at or above medium']);
    expect(result.blocking.map((f) => f.severity)).toEqual(['medium']);
  });

  it('in mode new, blocks only on findings new since the baseline', () => {
    const known = finding({ severity: 'critical', newSinceBaseline: false, asset: '10.0.5.8' });
    const fresh = finding({ severity: 'high', newSinceBaseline: true });
    expect(judgeGate(input({ mode: 'new', findings: [known] })).verdict).toBe('pass');
    const result = judgeGate(input({ mode: 'new', findings: [known, fresh] }));
    expect(result.verdict).toBe('fail');
    expect(result.blocking).toEqual([expect.objectContaining({ asset: '10.0.5.7' })]);
    expect(result.reasons).toEqual(['1 new finding at or above high']);
    expect(judgeGate(input({ mode: 'all', findings: [known] })).verdict).toBe('fail');
  });

  it('without a baseline, mode new counts every finding as new and says so', () => {
    const result = judgeGate(
      input({ mode: 'new', baseline: null, findings: [finding({ newSinceBaseline: null })] }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.reasons).toContain('the scope has no baseline, so every finding counts as new');
  });

  it('never blocks on a waived finding, and counts it apart', () => {
    const result = judgeGate(input({ findings: [finding({ severity: 'critical', excepted: true })] }));
    expect(result).toMatchObject({ verdict: 'pass', excepted: 1, findings: [] });
    expect(result.counts.critical).toBe(0);
  });

  it('fails a stale snapshot with that reason, even with no finding', () => {
    const result = judgeGate(input({ snapshot: { id: 'old', takenAt: '2026-03-30T12:00:00.000Z' } }));
    expect(result.verdict).toBe('fail');
    expect(result.snapshot).toMatchObject({ ageSeconds: 3 * 86_400, stale: true });
    expect(result.reasons[0]).toMatch(/older than the 86400 s allowed/);
  });

  it('fails a scope that has never been scanned', () => {
    const result = judgeGate(input({ snapshot: null }));
    expect(result).toMatchObject({
      verdict: 'fail',
      reasons: ['the scope has no snapshot: its state is unknown'],
    });
  });

  it('does not judge snapshot age without a limit (a dry run of a candidate)', () => {
    const result = judgeGate(
      input({ maxSnapshotAgeSeconds: null, snapshot: { id: 'old', takenAt: '2020-01-01T00:00:00.000Z' } }),
    );
    expect(result.verdict).toBe('pass');
  });

  it('lists findings most severe first, then by rule, asset and subject', () => {
    const result = judgeGate(
      input({
        failOn: 'info',
        findings: [
          finding({ severity: 'low', asset: '10.0.0.1' }),
          finding({ severity: 'critical', asset: '10.0.0.9' }),
          finding({ severity: 'critical', asset: '10.0.0.2' }),
        ],
      }),
    );
    expect(result.blocking.map((f) => `${f.severity} ${f.asset}`)).toEqual([
      'critical 10.0.0.2',
      'critical 10.0.0.9',
      'low 10.0.0.1',
    ]);
  });

  it('orders severities critical > high > medium > low > info', () => {
    expect(atOrAbove('critical', 'high')).toBe(true);
    expect(atOrAbove('high', 'high')).toBe(true);
    expect(atOrAbove('medium', 'high')).toBe(false);
    expect(atOrAbove('info', 'info')).toBe(true);
  });
});

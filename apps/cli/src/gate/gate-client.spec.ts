import { judgeGate } from '@driftwatch/core';

import { apiBase, isGateResult } from './gate-client';

describe('gate client', () => {
  it('takes the API base with or without a trailing /api/v1', () => {
    expect(apiBase('https://dw.example/base/api/v1/').href).toBe('https://dw.example/base');
    expect(apiBase('http://127.0.0.1:3000').href).toBe('http://127.0.0.1:3000/');
    expect(() => apiBase('ftp://dw.example')).toThrow('--api must be an http or https URL');
  });

  it('accepts a GateResult and refuses other JSON (a proxy page, an error body)', () => {
    const result = judgeGate({
      scope: { id: 's', name: 'n' },
      failOn: 'high',
      mode: 'all',
      findings: [],
      rules: [],
      policy: { name: 'p', version: 'v' },
      baseline: null,
      snapshot: { id: 'x', takenAt: '2026-01-01T00:00:00Z' },
      maxSnapshotAgeSeconds: null,
      now: '2026-01-01T00:00:00Z',
    });
    expect(isGateResult(JSON.parse(JSON.stringify(result)))).toBe(true);
    expect(isGateResult({ ...result, verdict: 'maybe' })).toBe(false);
    expect(isGateResult({ ...result, blocking: [{ ruleId: 'r' }] })).toBe(false);
    expect(isGateResult({ status: 200, detail: 'ok' })).toBe(false);
    expect(isGateResult(null)).toBe(false);
  });
});

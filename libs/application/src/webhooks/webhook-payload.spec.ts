import type { FindingPlan, RuleResult } from '@driftwatch/core';

import {
  CHANGES_PER_EVENT,
  driftEvent,
  FINDINGS_PER_EVENT,
  findingEvents,
  findingSummaries,
} from './webhook-payload';

const result = (n: number): RuleResult => ({
  ruleId: 'r.telnet',
  title: 'Telnet',
  requirements: ['PCI DSS v4.0.1 2.2.7'],
  severity: 'high',
  asset: `192.0.2.${n}`,
  subject: 'tcp/23',
  message: 'telnet is cleartext',
  evidence: {},
});

describe('webhook payloads', () => {
  it('summarises opened and reopened findings without their evidence', () => {
    const plan: FindingPlan = {
      create: [{ fingerprint: 'f1', result: result(1) }],
      seen: [
        { id: 'id2', from: 'resolved', to: 'open', reopened: true, result: result(2) },
        { id: 'id3', from: 'open', to: 'open', reopened: false, result: result(3) },
      ],
      resolve: [],
    };
    const { opened, reopened } = findingSummaries(plan, new Map([['f1', 'id1']]));
    expect(opened).toEqual([
      {
        id: 'id1',
        ruleId: 'r.telnet',
        requirements: ['PCI DSS v4.0.1 2.2.7'],
        severity: 'high',
        asset: '192.0.2.1',
        subject: 'tcp/23',
        message: 'telnet is cleartext',
        status: 'open',
      },
    ]);
    expect(reopened.map((f) => f.id)).toEqual(['id2']);
    expect(JSON.stringify(opened)).not.toContain('evidence');
  });

  it('batches many findings of one evaluation into a few events, each saying which part it is', () => {
    const findings = findingSummaries(
      {
        create: Array.from({ length: 2 * FINDINGS_PER_EVENT + 1 }, (_, i) => ({
          fingerprint: `f${i}`,
          result: result(i),
        })),
        seen: [],
        resolve: [],
      },
      new Map(Array.from({ length: 2 * FINDINGS_PER_EVENT + 1 }, (_, i) => [`f${i}`, `id${i}`])),
    ).opened;
    const events = findingEvents(
      'finding.opened',
      'scope-1',
      new Date(0),
      { snapshotId: 's', policyVersion: 'v' },
      findings,
    );
    expect(events).toHaveLength(3);
    expect(events.map((e) => (e.data['findings'] as unknown[]).length)).toEqual([
      FINDINGS_PER_EVENT,
      FINDINGS_PER_EVENT,
      1,
    ]);
    expect(events.map((e) => e.data['part'])).toEqual([
      { index: 1, count: 3 },
      { index: 2, count: 3 },
      { index: 3, count: 3 },
    ]);
  });

  it('caps a drift event: counts by type for all changes, details for the first ones only', () => {
    const changes = Array.from({ length: CHANGES_PER_EVENT + 5 }, (_, i) => ({
      type: i % 2 ? 'port-added' : 'port-removed',
      address: '192.0.2.1',
      protocol: 'tcp',
      port: 1000 + i,
    }));
    const event = driftEvent(
      'scope-1',
      new Date(0),
      {
        snapshotId: 's2',
        previousSnapshotId: 's1',
        observedAt: new Date(0),
      },
      changes,
    );
    expect(event.type).toBe('drift.detected');
    expect(event.data).toMatchObject({
      total: CHANGES_PER_EVENT + 5,
      counts: { 'port-added': 52, 'port-removed': 53 },
      truncated: true,
    });
    expect(event.data['changes']).toHaveLength(CHANGES_PER_EVENT);
  });
});

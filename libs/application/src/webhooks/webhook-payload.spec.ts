import type { FindingPlan, RuleResult } from '@driftwatch/core';

import {
  CHANGES_PER_EVENT,
  configDriftEvent,
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
      unjudged: [],
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
        unjudged: [],
      },
      new Map(Array.from({ length: 2 * FINDINGS_PER_EVENT + 1 }, (_, i) => [`f${i}`, `id${i}`])),
    ).opened;
    const events = findingEvents(
      'finding.opened',
      'scope-1',
      new Date(0),
      { cause: 'evaluation', snapshotId: 's', policyVersion: 'v' },
      findings,
    );
    expect(events).toHaveLength(3);
    expect(events[0]?.data).toMatchObject({ cause: 'evaluation', snapshotId: 's', policyVersion: 'v' });
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

  it('caps a config drift event and leaves out values: counts for all changes, type and path for the first', () => {
    const changes = Array.from({ length: CHANGES_PER_EVENT + 5 }, (_, i) => ({
      type: i % 2 ? 'rule-added' : 'setting-changed',
      path: `p${i}`,
      from: 'secret-before',
      to: 'secret-after',
      description: `p${i} changed from secret-before to secret-after`,
    }));
    const event = configDriftEvent('s1', new Date('2026-11-24T00:00:00Z'), {
      id: 'c1',
      asset: '10.0.0.1',
      kind: 'sshd-config',
      tag: '',
      schema: '',
      fromDocumentId: 'd1',
      toDocumentId: 'd2',
      detectedAt: new Date('2026-11-23T23:59:00Z'),
      changes,
    });
    expect(event).toMatchObject({
      type: 'config.drift',
      scopeId: 's1',
      occurredAt: '2026-11-24T00:00:00.000Z',
      data: {
        changeId: 'c1',
        detectedAt: '2026-11-23T23:59:00.000Z',
        total: CHANGES_PER_EVENT + 5,
        counts: { 'setting-changed': 53, 'rule-added': 52 },
        truncated: true,
      },
    });
    expect(event.data['changes']).toHaveLength(CHANGES_PER_EVENT);
    expect((event.data['changes'] as unknown[])[1]).toEqual({ type: 'rule-added', path: 'p1' });
    expect(JSON.stringify(event)).not.toContain('secret');
  });
});

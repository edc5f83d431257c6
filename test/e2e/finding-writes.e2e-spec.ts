import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { planFindings, type RuleResult } from '@driftwatch/core';
import { FindingRepository } from '@driftwatch/persistence';
import { scopeWithSnapshot } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/**
 * An evaluation of a large scope writes well over 100,000 findings at once (a /16 with TLS and
 * SSH script output). FindingRepository.apply writes them in chunked statements; through
 * TypeORM's save, ~120,000 new findings overflowed the call stack and the evaluation failed.
 * What a finding says is versioned only when it changes (finding_versions).
 */
describe('writing an evaluation of 130,000 findings', () => {
  const COUNT = 130_000;
  let env: TestEnvironment;
  let app: INestApplication;
  let dataSource: DataSource;
  let findings: FindingRepository;
  let scopeId: string;
  let snapshotId: string;

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    const keys = await keysForRoles(app, ['analyst', 'scanner']);
    scopeId = await scopeWithSnapshot(
      app,
      keys,
      { name: 'large-writes', targets: ['192.0.2.0/28'], ports: [22], approvedPorts: [22] },
      openPortsXml([{ addr: '192.0.2.5', ports: [[22, 'ssh']] }]),
    );
    dataSource = app.get(DataSource);
    findings = app.get(FindingRepository);
    const [snapshot] = await dataSource.query<{ id: string }[]>(
      'SELECT id FROM snapshots WHERE scope_id = $1',
      [scopeId],
    );
    snapshotId = snapshot.id;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  // Results on made-up assets (10.x.y.z, port p): distinct fingerprints, every column filled.
  const results = (round: number): RuleResult[] =>
    Array.from({ length: COUNT }, (_, i) => ({
      ruleId: 'test.large-write',
      title: `Open port ${i % 1000}`,
      requirements: ['PCI DSS v4.0.1 1.2.5', `round ${round}`],
      severity: i % 2 === 0 ? 'high' : 'low',
      asset: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      subject: 'tcp/443',
      port: 443,
      protocol: 'tcp',
      message: `port 443 "open" on host ${i} (round ${round})`,
      remediation: i % 3 === 0 ? undefined : 'Close it',
      evidence: { round, facts: [{ pointer: '/state', value: 'open' }], note: 'quote " and \\ backslash' },
    }));

  async function evaluate(round: number, at: Date): Promise<void> {
    await dataSource.transaction(async (manager) => {
      const plan = planFindings(await findings.knownForScope(scopeId, manager), results(round));
      await findings.apply(scopeId, plan, { snapshotId, at, policyVersion: `v${round}` }, manager);
    });
  }

  it('opens every finding with its transition, then marks every one seen again', async () => {
    await evaluate(1, new Date('2026-11-01T00:00:00Z'));
    const [first] = await dataSource.query<
      { n: number; transitions: number; sample: Record<string, unknown> }[]
    >(
      `SELECT (SELECT count(*)::int FROM findings WHERE scope_id = $1 AND status = 'open') AS n,
              (SELECT count(*)::int FROM finding_transitions t JOIN findings f ON f.id = t.finding_id
                WHERE f.scope_id = $1 AND t.to_status = 'open' AND t.from_status IS NULL) AS transitions,
              (SELECT to_jsonb(f) FROM findings f WHERE scope_id = $1 AND asset = '10.0.1.3') AS sample`,
      [scopeId],
    );
    expect(first).toMatchObject({ n: COUNT, transitions: COUNT });
    // Host 259 (10.0.1.3): odd, not a multiple of 3.
    expect(first.sample).toMatchObject({
      rule_id: 'test.large-write',
      title: 'Open port 259',
      requirements: ['PCI DSS v4.0.1 1.2.5', 'round 1'],
      severity: 'low',
      port: 443,
      protocol: 'tcp',
      message: 'port 443 "open" on host 259 (round 1)',
      remediation: 'Close it',
      evidence: { round: 1, facts: [{ pointer: '/state', value: 'open' }], note: 'quote " and \\ backslash' },
      status: 'open',
      policy_version: 'v1',
    });

    await evaluate(2, new Date('2026-11-02T00:00:00Z'));
    const [second] = await dataSource.query<{ n: number; seen: number; transitions: number }[]>(
      `SELECT (SELECT count(*)::int FROM findings WHERE scope_id = $1) AS n,
              (SELECT count(*)::int FROM findings WHERE scope_id = $1 AND policy_version = 'v2'
                 AND last_seen_at = '2026-11-02T00:00:00Z' AND requirements[2] = 'round 2'
                 AND message LIKE '%(round 2)' AND evidence->>'round' = '2') AS seen,
              (SELECT count(*)::int FROM finding_transitions t JOIN findings f ON f.id = t.finding_id
                WHERE f.scope_id = $1) AS transitions`,
      [scopeId],
    );
    // Seen again: updated in place, no new finding and no transition (nothing changed status).
    expect(second).toEqual({ n: COUNT, seen: COUNT, transitions: COUNT });

    // Every finding was reworded (round 2): one more version each. Seen a third time saying the
    // same: no version at all, only last seen moves.
    await evaluate(2, new Date('2026-11-03T00:00:00Z'));
    const [third] = await dataSource.query<{ versions: number; seen: number; sample: unknown }[]>(
      `SELECT (SELECT count(*)::int FROM finding_versions v JOIN findings f ON f.id = v.finding_id
                WHERE f.scope_id = $1) AS versions,
              (SELECT count(*)::int FROM findings WHERE scope_id = $1
                 AND last_seen_at = '2026-11-03T00:00:00Z') AS seen,
              (SELECT jsonb_agg(jsonb_build_object('from', extract(epoch FROM v.valid_from)::bigint, 'message', v.message) ORDER BY v.id)
                 FROM finding_versions v JOIN findings f ON f.id = v.finding_id
                WHERE f.scope_id = $1 AND f.asset = '10.0.1.3') AS sample`,
      [scopeId],
    );
    expect(third).toEqual({
      versions: 2 * COUNT,
      seen: COUNT,
      sample: [
        { from: Date.parse('2026-11-01T00:00:00Z') / 1000, message: 'port 443 "open" on host 259 (round 1)' },
        { from: Date.parse('2026-11-02T00:00:00Z') / 1000, message: 'port 443 "open" on host 259 (round 2)' },
      ],
    });
    // History is kept, never rewritten.
    await expect(dataSource.query(`UPDATE finding_versions SET message = 'rewritten'`)).rejects.toThrow(
      /finding_versions is append-only/,
    );
  }, 300_000);
});

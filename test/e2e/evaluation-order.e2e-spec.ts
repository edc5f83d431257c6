import { Client } from 'pg';

import {
  EvaluationService,
  type FindingResponseDto,
  type ScanResponseDto,
  type SnapshotImportedDto,
} from '@driftwatch/application';
import { type ApiClient, apiWithoutWorkers, type ApiWithoutWorkers } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';

const T0 = 1_790_000_000;

/**
 * Evaluation jobs of one scope may run in any order (several workers, retries). The findings must
 * always be those of the newest snapshot judged: an older snapshot's evaluation that runs after a
 * newer one's is skipped, even when the newer one changed no finding (a clean scan) and when both
 * snapshots have the same time (an older import is dated at the scope's latest).
 */
describe('evaluations that run out of order', () => {
  let harness: ApiWithoutWorkers;
  let api: ApiClient;

  beforeAll(async () => {
    // No worker takes the evaluation jobs: this test runs them in the order it wants.
    harness = await apiWithoutWorkers({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    api = harness.api;
  });

  afterAll(async () => {
    await harness?.close();
  });

  const importXml = (scopeId: string, xml: string) => harness.scanner.importXml(scopeId, xml);
  const evaluate = (imported: SnapshotImportedDto) => harness.evaluate(imported);
  const openFindings = async (scopeId: string) =>
    (
      (await api.http().get(`/api/v1/findings?scope=${scopeId}&status=open`).set(api.auth).expect(200))
        .body as { items: FindingResponseDto[] }
    ).items.map((f) => `${f.asset} ${f.ruleId}`);

  const clean = (start: number) => openPortsXml([{ addr: '192.0.2.1', ports: [[22, 'ssh']] }], start);
  const telnet = (start: number) =>
    openPortsXml(
      [
        { addr: '192.0.2.1', ports: [[22, 'ssh']] },
        { addr: '192.0.2.2', ports: [[23, 'telnet']] },
      ],
      start,
    );

  it.each([
    ['a later time', T0 + 200],
    ['the same time (an older import dated at the latest)', T0 + 100],
  ])('skips an older snapshot judged after a newer clean one of %s', async (_name, newerStart) => {
    const scopeId = await api.createScope({
      name: `out-of-order-${newerStart}`,
      targets: ['192.0.2.0/28'],
      ports: [22, 23],
      approvedPorts: [22],
      scripts: [],
    });
    await evaluate(await importXml(scopeId, clean(T0)));
    const older = await importXml(scopeId, telnet(T0 + 100));
    const newer = await importXml(scopeId, clean(newerStart));

    await expect(evaluate(newer)).resolves.toMatchObject({ kind: 'evaluated' });
    await expect(evaluate(older)).resolves.toMatchObject({
      kind: 'skipped',
      reason: expect.stringMatching(/newer snapshot/),
    });
    // The newest snapshot is clean: no telnet finding from the older one. Only the drift the older
    // one carried, which no other evaluation judges: the telnet host appeared (1.2.2), as an
    // evaluation in order would have said before the host went again.
    expect(await openFindings(scopeId)).toEqual(['192.0.2.2 pci-dss-v4.1.2.2-unapproved-change']);
    // Never judged, the older snapshot cannot be approved: a baseline of it used to take the
    // findings of the newer one of the same moment, or the time-only state of its own.
    const refused = await api
      .http()
      .post(`/api/v1/scopes/${scopeId}/baselines`)
      .set(api.auth)
      .send({ snapshotId: older.snapshotId })
      .expect(400);
    expect((refused.body as { fields: { field: string }[] }).fields).toEqual([
      expect.objectContaining({
        field: 'snapshotId',
        reason: expect.stringMatching(/no evaluated snapshot/),
      }),
    ]);
    const latest = await api
      .http()
      .post(`/api/v1/scopes/${scopeId}/baselines`)
      .set(api.auth)
      .send({})
      .expect(201);
    expect(latest.body).toMatchObject({ snapshotId: newer.snapshotId, findingCount: 1 });
    const scanOf = async (id: string) =>
      (await api.http().get(`/api/v1/scans/${id}`).set(api.auth).expect(200)).body as ScanResponseDto;
    expect((await scanOf(older.scanId)).status).toBe('completed');
    // An imported scan keeps the times its nmap file gives, whenever it is evaluated.
    expect(await scanOf(newer.scanId)).toMatchObject({
      status: 'completed',
      startedAt: new Date(newerStart * 1000).toISOString(),
      finishedAt: new Date((newerStart + 10) * 1000).toISOString(),
      durationMs: 10_000,
    });
  });

  // A scan that failed at F opens 10.7.2 as of F. An import of a scan taken before F but after the
  // scope's last snapshot is the scope's newest snapshot; its evaluation used to be skipped
  // because findings carried a later time (F), so what it showed was never judged, and the next
  // snapshot's drift was measured from it: its changes were lost for good.
  it('judges a newer snapshot dated before a failed scan, as of the failure', async () => {
    const scopeId = await api.createScope({
      name: 'imported-after-a-failure',
      targets: ['192.0.2.0/28'],
      ports: [22, 23],
      approvedPorts: [22],
      scripts: [],
    });
    await evaluate(await importXml(scopeId, clean(T0)));
    const failedAt = new Date((T0 + 600) * 1000);
    const failed = await api.requestScan(scopeId);
    const db = new Client({ connectionString: harness.env.db.url });
    await db.connect();
    try {
      await db.query(
        `UPDATE scans SET status = 'failed', started_at = $2, finished_at = $2, error = 'every shard failed'
          WHERE id = $1`,
        [failed, failedAt],
      );
    } finally {
      await db.end();
    }
    await expect(harness.app.get(EvaluationService).evaluateAfterScanFailure(failed)).resolves.toMatchObject({
      kind: 'evaluated',
      opened: 1,
    });

    // Taken between the first snapshot and the failure, imported after it.
    const between = await importXml(scopeId, telnet(T0 + 300));
    await expect(evaluate(between)).resolves.toMatchObject({ kind: 'evaluated' });
    const findings = (
      (await api.http().get(`/api/v1/findings?scope=${scopeId}&status=open`).set(api.auth).expect(200))
        .body as { items: FindingResponseDto[] }
    ).items;
    // The telnet host is judged, as of the failure (findings never move back in time), and the
    // failure is still the scope's latest scan: 10.7.2 stays open.
    expect(findings.map((f) => `${f.asset} ${f.ruleId}`).sort()).toEqual(
      expect.arrayContaining([
        '192.0.2.2 pci-dss-v4.1.2.5-open-port-not-approved',
        `scope:${scopeId} pci-dss-v4.10.7.2-scan-failed`,
      ]),
    );
    const telnetFinding = findings.find((f) => f.asset === '192.0.2.2');
    expect(telnetFinding?.firstSeenAt).toBe(failedAt.toISOString());
    // Its drift (the host and port that appeared) was judged too, not left to a later diff.
    const changes = findings.filter((f) => f.ruleId.startsWith('pci-dss-v4.1.2.2'));
    expect(changes.map((f) => f.asset)).toContain('192.0.2.2');
  });

  // Each snapshot's changes are measured from the one before it. When a newer snapshot's
  // evaluation overtakes an older one's, the older one is skipped: the changes it carried (the
  // telnet host appearing) were judged by no evaluation, and 1.2.2 never saw them.
  it('judges the changes of an overtaken snapshot with the snapshot that overtook it', async () => {
    const scopeId = await api.createScope({
      name: 'overtaken-changes',
      targets: ['192.0.2.0/28'],
      ports: [22, 23],
      approvedPorts: [22],
      scripts: [],
    });
    await evaluate(await importXml(scopeId, clean(T0)));
    const appeared = await importXml(scopeId, telnet(T0 + 100));
    const same = await importXml(scopeId, telnet(T0 + 200));
    await expect(evaluate(same)).resolves.toMatchObject({ kind: 'evaluated' });
    await expect(evaluate(appeared)).resolves.toMatchObject({ kind: 'skipped' });
    const changes = (await openFindings(scopeId)).filter((f) => f.includes('1.2.2-unapproved-change'));
    expect(changes).toEqual(['192.0.2.2 pci-dss-v4.1.2.2-unapproved-change']);
  });
});

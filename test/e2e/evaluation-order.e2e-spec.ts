import type { FindingResponseDto, ScanResponseDto, SnapshotImportedDto } from '@driftwatch/application';
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
    // The newest snapshot is clean: no telnet finding from the older one.
    expect(await openFindings(scopeId)).toEqual([]);
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
});

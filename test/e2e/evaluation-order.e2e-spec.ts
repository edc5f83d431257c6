import type { INestApplication } from '@nestjs/common';

import {
  EvaluationService,
  type FindingResponseDto,
  type ScanResponseDto,
  type SnapshotImportedDto,
} from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

const T0 = 1_790_000_000;

/**
 * Evaluation jobs of one scope may run in any order (several workers, retries). The findings must
 * always be those of the newest snapshot judged: an older snapshot's evaluation that runs after a
 * newer one's is skipped, even when the newer one changed no finding (a clean scan) and when both
 * snapshots have the same time (an older import is dated at the scope's latest).
 */
describe('evaluations that run out of order', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let api: ApiClient;
  let scanner: ApiClient;

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    // The API alone: no worker takes the evaluation jobs, this test runs them in the order it wants.
    app = await createHttpApp(env.config, 'api');
    const keys = await keysForRoles(app, ['analyst', 'scanner']);
    api = new ApiClient(app, keys.analyst);
    scanner = new ApiClient(app, keys.scanner);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const importXml = async (scopeId: string, xml: string): Promise<SnapshotImportedDto> =>
    (
      await scanner
        .http()
        .post(`/api/v1/scopes/${scopeId}/snapshots`)
        .set(scanner.auth)
        .set('Content-Type', 'application/xml')
        .send(xml)
        .expect(201)
    ).body as SnapshotImportedDto;
  const evaluate = (imported: SnapshotImportedDto) =>
    app.get(EvaluationService).evaluateSnapshot(imported.scanId, imported.snapshotId);
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

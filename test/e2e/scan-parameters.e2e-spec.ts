import { createServer, type Server } from 'node:net';

import type { INestApplication } from '@nestjs/common';

import {
  ScanExecutor,
  type ScanResponseDto,
  ShardRunner,
  type SnapshotResponseDto,
} from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

const CORE = '127.0.0.1';
const BRANCH = '127.0.1.1';

function listen(host: string, port = 0): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
const portOf = (server: Server) => (server.address() as { port: number }).port;

/**
 * A scan runs as shards, each its own nmap run, possibly minutes apart. The scope may change in
 * between; every shard must still scan what the scan was planned with, or one snapshot would
 * hold one site's old ports and the other's new ones. Real nmap, on ports this test opened on
 * two loopback addresses (one shard each).
 */
describe('a scan whose scope changes while its shards run', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let api: ApiClient;
  const servers: Server[] = [];
  let before: number;
  let after: number;

  beforeAll(async () => {
    const first = await listen(CORE);
    const second = await listen(CORE);
    before = portOf(first);
    after = portOf(second);
    servers.push(first, second, await listen(BRANCH, before), await listen(BRANCH, after));
    env = await createTestEnvironment();
    // The API alone: no worker takes the jobs, this test plays the worker's steps.
    app = await createHttpApp(env.config, 'api');
    api = new ApiClient(app, (await keysForRoles(app, ['admin'])).admin);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('scans every shard with the ports it was planned with; the change applies from the next scan', async () => {
    const scopeId = await api.createScope({
      name: 'changed-mid-scan',
      targets: [CORE, BRANCH],
      ports: [before],
      approvedPorts: [before, after],
      scripts: [],
      hostDiscovery: 'none',
    });
    const scanId = await api.requestScan(scopeId);
    expect(await app.get(ScanExecutor).plan(scanId, 1)).toMatchObject({ kind: 'planned', shards: [1, 2] });
    expect(await app.get(ShardRunner).run(scanId, 1, 1)).toMatchObject({ kind: 'completed' });
    await api
      .http()
      .patch(`/api/v1/scopes/${scopeId}`)
      .set(api.auth)
      .send({ ports: [after] })
      .expect(200);
    expect(await app.get(ShardRunner).run(scanId, 2, 1)).toMatchObject({ kind: 'completed' });
    const outcome = await app.get(ScanExecutor).assemble(scanId, []);
    if (outcome.kind !== 'stored') throw new Error(`not stored: ${outcome.reason}`);

    const openPorts = async (snapshotId: string) => {
      const res = await api.http().get(`/api/v1/snapshots/${snapshotId}`).set(api.auth).expect(200);
      return (res.body as SnapshotResponseDto).hosts.map((h) => [
        h.addresses[0]?.addr,
        h.ports.filter((p) => p.state === 'open').map((p) => p.port),
      ]);
    };
    expect(await openPorts(outcome.snapshotId)).toEqual([
      [CORE, [before]],
      [BRANCH, [before]],
    ]);

    const next = await api.requestScan(scopeId);
    await app.get(ScanExecutor).plan(next, 1);
    for (const seq of [1, 2]) await app.get(ShardRunner).run(next, seq, 1);
    const stored = await app.get(ScanExecutor).assemble(next, []);
    if (stored.kind !== 'stored') throw new Error(`not stored: ${stored.reason}`);
    expect(await openPorts(stored.snapshotId)).toEqual([
      [CORE, [after]],
      [BRANCH, [after]],
    ]);
    // Each scan says what it scanned with.
    const parametersOf = async (id: string) =>
      ((await api.http().get(`/api/v1/scans/${id}`).set(api.auth).expect(200)).body as ScanResponseDto)
        .parameters;
    expect(await parametersOf(scanId)).toEqual({
      ports: [before],
      scripts: [],
      hostTimeoutSeconds: null,
      scanTimeoutSeconds: null,
      hostDiscovery: 'none',
    });
    expect(await parametersOf(next)).toMatchObject({ ports: [after] });
  });
});

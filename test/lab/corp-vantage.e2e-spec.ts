import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import type { INestApplication } from '@nestjs/common';

import type { ChangeListResponseDto, SnapshotResponseDto } from '@driftwatch/application';
import { ScanQueue } from '@driftwatch/queue';
import { ApiClient } from '@driftwatch/test/api-client';
import { type Lab, startLab } from '@driftwatch/test/lab';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

const WORKER = resolve(__dirname, '../../dist/apps/worker/main.js');
const LAB_NETWORKS = '198.18.0.0/15';

/**
 * Vantages in a real multi-zone network: the API runs here, a worker started with the corp
 * vantage runs inside the corp namespace (reaching PostgreSQL and Redis over the lab's
 * management link), and the router's iptables rules decide what corp can reach in cde and dmz.
 * Scans of a corp scope run from corp; a scope of another vantage waits for its own worker;
 * a firewall change in the router shows up as drift.
 */
describe('network lab: scans from the corp vantage', () => {
  let lab: Lab | undefined;
  let env: TestEnvironment;
  let app: INestApplication;
  let api: ApiClient;
  let worker: ChildProcess;
  let workerOutput = '';
  let corpScope: string;

  beforeAll(async () => {
    if (!existsSync(WORKER)) throw new Error('dist/apps/worker/main.js is missing: run npm run build');
    lab = await startLab();
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: LAB_NETWORKS });
    app = await createHttpApp(env.config, 'api');
    api = new ApiClient(app, (await keysForRoles(app, ['admin'])).admin);

    const db = new URL(env.db.url);
    const redis = new URL(env.config.redis.url);
    const dbProxy = await lab.managementProxy('corp', Number(db.port));
    const redisProxy = await lab.managementProxy('corp', Number(redis.port));
    db.hostname = dbProxy.host;
    db.port = String(dbProxy.port);
    redis.hostname = redisProxy.host;
    redis.port = String(redisProxy.port);
    worker = lab.spawn('corp', process.execPath, [WORKER], {
      DATABASE_URL: db.toString(),
      REDIS_URL: redis.toString(),
      REDIS_PREFIX: env.redisPrefix,
      WORKER_VANTAGES: 'corp',
      SCAN_ALLOWED_NETWORKS: LAB_NETWORKS,
      NMAP_PATH: '/usr/bin/nmap',
      LOG_LEVEL: 'warn',
      PORT: '0',
    });
    worker.stdout?.on('data', (d: Buffer) => (workerOutput += d.toString()));
    worker.stderr?.on('data', (d: Buffer) => (workerOutput += d.toString()));

    corpScope = await api.createScope({
      name: 'corp-view',
      targets: [lab.zones.cde.hostAddress, lab.zones.dmz.hostAddress],
      ports: [22, 23, 80, 443],
      vantage: 'corp',
      scripts: [],
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await lab?.stop();
    await env?.cleanup();
  });

  async function snapshotOf(scanId: string): Promise<SnapshotResponseDto> {
    const scan = await api.waitForScan(scanId, ['completed'], 120_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nworker output:\n${workerOutput}`);
    });
    const res = await api
      .http()
      .get(`/api/v1/snapshots/${scan.snapshotId ?? ''}`)
      .set(api.auth)
      .expect(200);
    return res.body as SnapshotResponseDto;
  }

  function portStates(snapshot: SnapshotResponseDto, address: string): Record<number, string> {
    const host = snapshot.hosts.find((h) => h.addresses.some((a) => a.addr === address));
    return Object.fromEntries((host?.ports ?? []).map((p) => [p.port, p.state]));
  }

  it('shows what corp can reach: the firewall lets corp reach cde 22 and 443 and dmz 80, not cde 23', async () => {
    const snapshot = await snapshotOf(await api.requestScan(corpScope));
    expect(snapshot.vantage).toBe('corp');
    const cde = portStates(snapshot, lab?.zones.cde.hostAddress ?? '');
    expect(cde[22]).toBe('open');
    expect(cde[443]).toBe('open');
    expect(cde[23]).toBe('filtered');
    expect(portStates(snapshot, lab?.zones.dmz.hostAddress ?? '')[80]).toBe('open');
  }, 180_000);

  it('leaves a scope of another vantage queued for a worker in that zone', async () => {
    const dmzScope = await api.createScope({
      name: 'dmz-view',
      targets: [lab?.zones.cde.hostAddress ?? ''],
      ports: [22],
      vantage: 'dmz',
      scripts: [],
    });
    const scanId = await api.requestScan(dmzScope);
    const depth = await waitFor('the dmz job to wait in its own queue', async () => {
      const d = await app.get(ScanQueue).depth(['dmz']);
      return (d['scan-dmz']?.waiting ?? 0) > 0 ? d : undefined;
    });
    expect(depth['scan-dmz']?.waiting).toBe(1);
    // The corp worker keeps running its own queue and never takes the dmz job.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api.getScan(scanId)).status).toBe('queued');
  });

  it('detects a firewall change in the router as drift: cde 23 goes from filtered to open', async () => {
    const cde = lab?.zones.cde.hostAddress ?? '';
    await lab?.firewall([
      '-I',
      'FORWARD',
      '-s',
      lab.zones.corp.subnet,
      '-d',
      cde,
      '-p',
      'tcp',
      '--dport',
      '23',
      '-j',
      'ACCEPT',
    ]);
    const snapshot = await snapshotOf(await api.requestScan(corpScope));
    expect(portStates(snapshot, cde)[23]).toBe('open');

    const res = await api.http().get(`/api/v1/scopes/${corpScope}/changes`).set(api.auth).expect(200);
    const changes = (res.body as ChangeListResponseDto).items;
    expect(changes).toContainEqual(
      expect.objectContaining({
        address: cde,
        port: 23,
        protocol: 'tcp',
        before: expect.objectContaining({ state: 'filtered' }) as unknown,
        after: expect.objectContaining({ state: 'open' }) as unknown,
      }),
    );
    // Nothing else moved: the other ports kept their state.
    expect(changes.filter((c) => c.port !== 23)).toEqual([]);
  }, 180_000);

  it('sees a host that drops every discovery probe only when its scope skips host discovery (-Pn)', async () => {
    if (!lab) throw new Error('no lab');
    const cde = lab.zones.cde.hostAddress;
    // nmap's discovery probes (ICMP echo and timestamp, SYN to 443, ACK to 80) all dropped on the
    // way from corp to cde; ssh on 22 stays reachable.
    for (const rule of [
      ['-p', 'icmp'],
      ['-p', 'tcp', '--dport', '443'],
      ['-p', 'tcp', '--dport', '80'],
    ]) {
      await lab.firewall(['-I', 'FORWARD', '-s', lab.zones.corp.subnet, '-d', cde, ...rule, '-j', 'DROP']);
    }
    const scope = await api.createScope({
      name: 'corp-discovery',
      targets: [cde],
      ports: [22],
      vantage: 'corp',
      scripts: [],
    });
    const discovered = await snapshotOf(await api.requestScan(scope));
    expect(portStates(discovered, cde)).toEqual({});

    await api
      .http()
      .patch(`/api/v1/scopes/${scope}`)
      .set(api.auth)
      .send({ hostDiscovery: 'none' })
      .expect(200);
    const scanned = await snapshotOf(await api.requestScan(scope));
    expect(portStates(scanned, cde)).toEqual({ 22: 'open' });
  }, 240_000);
});

import { execFile } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';

import type { INestApplication } from '@nestjs/common';

import { ScanQueue } from '@driftwatch/queue';
import { ApiClient } from '@driftwatch/test/api-client';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/** nmap processes that are children of this test process (the in-process worker's scans). */
async function nmapChildren(): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', [
    '-o',
    'pid=,args=',
    '--ppid',
    String(process.pid),
  ]).catch(() => ({
    stdout: '',
  }));
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /\bnmap\b/.test(l));
}

/** Accepts connections and never speaks: nmap's version detection waits on every probe. */
function silentListener(): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    ),
  );
}

describe('cancelling scans', () => {
  describe('a running scan', () => {
    let env: TestEnvironment;
    let app: INestApplication;
    let api: ApiClient;
    let listener: { server: Server; port: number };

    beforeAll(async () => {
      listener = await silentListener();
      env = await createTestEnvironment({ NMAP_STATS_EVERY_SECONDS: '1' });
      app = await createHttpApp(env.config, 'standalone');
      api = new ApiClient(app, (await keysForRoles(app, ['analyst'])).analyst);
    });

    afterAll(async () => {
      await app?.close();
      await env?.cleanup();
      listener?.server.close();
    });

    it("shows the running shard with nmap's task, percent and an ETA, then stops the nmap child, stores no snapshot and stays cancelled", async () => {
      const http = () => api.http();
      const auth = api.auth;
      const scopeId = await api.createScope({ name: 'slow', targets: ['127.0.0.1'], ports: [listener.port] });
      const scanId = await api.requestScan(scopeId);
      await waitFor('nmap to be running', async () => (await nmapChildren()).length > 0, {
        timeoutMs: 30_000,
      });
      // nmap reports its progress while it waits on the silent service (--stats-every 1s).
      const running = await waitFor(
        'progress of the running scan',
        async () => {
          const scan = await api.getScan(scanId);
          return scan.shards[0]?.task ? scan : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(running.status).toBe('running');
      expect(running.shards).toEqual([
        expect.objectContaining({
          block: '127.0.0.0/24',
          status: 'running',
          task: expect.any(String) as unknown,
        }),
      ]);
      expect(running.progress).toMatchObject({ shardsTotal: 1, shardsDone: 0, shardsFailed: 0 });
      expect(running.progress?.percent).toBeGreaterThanOrEqual(0);
      expect(running.progress?.percent).toBeLessThan(100);
      // nmap gives an ETA once it can estimate one (not at 0%).
      const eta = running.progress?.eta ?? null;
      if (eta !== null) expect(Date.parse(eta)).toBeGreaterThan(Date.now() - 60_000);

      const cancelled = await http().delete(`/api/v1/scans/${scanId}`).set(auth).expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelledBy: 'test-analyst' });
      await waitFor('the nmap child to exit', async () => (await nmapChildren()).length === 0, {
        timeoutMs: 15_000,
      });

      // Whatever the worker reports afterwards, the scan stays cancelled and has no snapshot.
      await new Promise((r) => setTimeout(r, 1000));
      const after = await api.getScan(scanId);
      expect(after).toMatchObject({
        status: 'cancelled',
        snapshotId: null,
        error: 'cancelled by test-analyst',
      });
      const again = await http().delete(`/api/v1/scans/${scanId}`).set(auth);
      expect(again.status).toBe(409);
    });
    // Its nmap ran out its shard (minutes against a silent service), and the scan then failed
    // with "scope no longer exists".
    it('is cancelled with its nmap stopped when its scope is deleted', async () => {
      const scopeId = await api.createScope({
        name: 'deleted-while-scanning',
        targets: ['127.0.0.1'],
        ports: [listener.port],
      });
      const scanId = await api.requestScan(scopeId);
      await waitFor('nmap to be running', async () => (await nmapChildren()).length > 0, {
        timeoutMs: 30_000,
      });
      await api.http().delete(`/api/v1/scopes/${scopeId}`).set(api.auth).expect(204);
      await waitFor('the nmap child to exit', async () => (await nmapChildren()).length === 0, {
        timeoutMs: 15_000,
      });
      await new Promise((r) => setTimeout(r, 1000));
      expect(await api.getScan(scanId)).toMatchObject({
        status: 'cancelled',
        snapshotId: null,
        error: 'cancelled by test-analyst',
      });
    });

    it("stops nmap at the scope's own time limit and fails the scan with that reason", async () => {
      const scopeId = await api.createScope({
        name: 'slow-limited',
        targets: ['127.0.0.1'],
        ports: [listener.port],
        scanTimeoutSeconds: 10,
      });
      const scan = await api.waitForScan(await api.requestScan(scopeId), ['failed'], 60_000);
      expect(scan.error).toMatch(/every shard failed: 127\.0\.0\.0\/24: .*timed out after 10000 ms/);
      expect(scan.shards[0]).toMatchObject({ status: 'failed', attempts: 2 });
      expect(await nmapChildren()).toEqual([]);
    }, 90_000);
  });

  describe('a queued scan', () => {
    let env: TestEnvironment;
    let app: INestApplication;
    let api: ApiClient;

    beforeAll(async () => {
      env = await createTestEnvironment();
      app = await createHttpApp(env.config, 'api'); // no worker: the scan stays queued
      api = new ApiClient(app, (await keysForRoles(app, ['analyst'])).analyst);
    });

    afterAll(async () => {
      await app?.close();
      await env?.cleanup();
    });

    it('is removed from the queue and never starts', async () => {
      const http = () => api.http();
      const auth = api.auth;
      const scanId = await api.requestScan(
        await api.createScope({ name: 'queued', targets: ['127.0.0.1'], ports: [9] }),
      );
      expect((await app.get(ScanQueue).depth(['default']))['scan-default']?.waiting).toBe(1);
      await http().delete(`/api/v1/scans/${scanId}`).set(auth).expect(200);
      expect((await app.get(ScanQueue).depth(['default']))['scan-default']?.waiting).toBe(0);
      expect(await api.getScan(scanId)).toMatchObject({ status: 'cancelled' });
      expect(
        (await http().delete('/api/v1/scans/00000000-0000-4000-8000-000000000000').set(auth)).status,
      ).toBe(404);
    });
  });
});

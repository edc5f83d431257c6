import { execFile } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import type { ScanResponseDto } from '@driftwatch/application';
import { ScanQueue } from '@driftwatch/queue';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
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
    let auth: { Authorization: string };
    let listener: { server: Server; port: number };

    beforeAll(async () => {
      listener = await silentListener();
      env = await createTestEnvironment();
      app = await createHttpApp(env.config, 'standalone');
      auth = { Authorization: `Bearer ${(await keysForRoles(app, ['analyst'])).analyst}` };
    });

    afterAll(async () => {
      await app?.close();
      await env?.cleanup();
      listener?.server.close();
    });

    it('stops the nmap child, stores no snapshot and stays cancelled', async () => {
      const http = () => request(httpServer(app));
      const scope = await http()
        .post('/api/v1/scopes')
        .set(auth)
        .send({ name: 'slow', targets: ['127.0.0.1'], ports: [listener.port] })
        .expect(201);
      const accepted = await http()
        .post(`/api/v1/scopes/${(scope.body as { id: string }).id}/scans`)
        .set(auth)
        .expect(202);
      const scanId = (accepted.body as { id: string }).id;
      await waitFor('nmap to be running', async () => (await nmapChildren()).length > 0, {
        timeoutMs: 30_000,
      });

      const cancelled = await http().delete(`/api/v1/scans/${scanId}`).set(auth).expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelledBy: 'test-analyst' });
      await waitFor('the nmap child to exit', async () => (await nmapChildren()).length === 0, {
        timeoutMs: 15_000,
      });

      // Whatever the worker reports afterwards, the scan stays cancelled and has no snapshot.
      await new Promise((r) => setTimeout(r, 1000));
      const after = (await http().get(`/api/v1/scans/${scanId}`).set(auth).expect(200))
        .body as ScanResponseDto;
      expect(after).toMatchObject({
        status: 'cancelled',
        snapshotId: null,
        error: 'cancelled by test-analyst',
      });
      const again = await http().delete(`/api/v1/scans/${scanId}`).set(auth);
      expect(again.status).toBe(409);
    });
  });

  describe('a queued scan', () => {
    let env: TestEnvironment;
    let app: INestApplication;
    let auth: { Authorization: string };

    beforeAll(async () => {
      env = await createTestEnvironment();
      app = await createHttpApp(env.config, 'api'); // no worker: the scan stays queued
      auth = { Authorization: `Bearer ${(await keysForRoles(app, ['analyst'])).analyst}` };
    });

    afterAll(async () => {
      await app?.close();
      await env?.cleanup();
    });

    it('is removed from the queue and never starts', async () => {
      const http = () => request(httpServer(app));
      const scope = await http()
        .post('/api/v1/scopes')
        .set(auth)
        .send({ name: 'queued', targets: ['127.0.0.1'], ports: [9] })
        .expect(201);
      const scanId = (
        (
          await http()
            .post(`/api/v1/scopes/${(scope.body as { id: string }).id}/scans`)
            .set(auth)
            .expect(202)
        ).body as { id: string }
      ).id;
      expect((await app.get(ScanQueue).depth()).scan.waiting).toBe(1);
      await http().delete(`/api/v1/scans/${scanId}`).set(auth).expect(200);
      expect((await app.get(ScanQueue).depth()).scan.waiting).toBe(0);
      expect((await http().get(`/api/v1/scans/${scanId}`).set(auth)).body).toMatchObject({
        status: 'cancelled',
      });
      expect(
        (await http().delete('/api/v1/scans/00000000-0000-4000-8000-000000000000').set(auth)).status,
      ).toBe(404);
    });
  });
});

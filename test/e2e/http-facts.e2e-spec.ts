import { createServer, type Server } from 'node:http';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import type { SnapshotResponseDto } from '@driftwatch/application';
import type { HttpFacts } from '@driftwatch/core';
import { ApiClient } from '@driftwatch/test/api-client';
import { freePort } from '@driftwatch/test/private-redis';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/** A web server on a loopback port this test opened, sending the headers it is given. */
function webServer(port: number, headers: () => Record<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(headers())) res.setHeader(name, value);
    res.setHeader('Content-Type', 'text/html');
    res.end(req.method === 'HEAD' ? undefined : '<html><title>x</title></html>');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * A real web server scanned with the allow-listed http-headers script: the snapshot carries
 * typed HTTP facts, an unchanged rescan (whose Date header differs) records no drift, and
 * dropping HSTS and changing the Server version is a change of the http-headers output.
 */
describe('HTTP facts', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let api: ApiClient;
  let server: Server;
  let port: number;
  let headers: Record<string, string> = {
    Server: 'Driftwatch-Test/1.0',
    'X-Powered-By': 'Express',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  };

  beforeAll(async () => {
    port = await freePort();
    server = await webServer(port, () => headers);
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'standalone');
    api = new ApiClient(app, (await keysForRoles(app, ['analyst'])).analyst);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const http = () => request(httpServer(app));
  const httpFactsOf = async (snapshotId: string): Promise<HttpFacts | undefined> => {
    const res = await http().get(`/api/v1/snapshots/${snapshotId}`).set(api.auth).expect(200);
    return (res.body as SnapshotResponseDto).hosts[0]?.ports.find((p) => p.port === port)?.http;
  };

  it('records the headers and HSTS, ignores the Date on a rescan, and reports a header change as drift', async () => {
    const scopeId = await api.createScope({
      name: 'http-facts',
      targets: ['127.0.0.1'],
      ports: [port],
      approvedPorts: [port],
      scripts: ['http-headers'],
    });

    const first = await api.scanToCompletion(scopeId, 110_000);
    const facts = await httpFactsOf(first.snapshotId ?? '');
    expect(facts).toMatchObject({
      requestType: 'HEAD',
      server: 'Driftwatch-Test/1.0',
      poweredBy: 'Express',
      hsts: { maxAgeSeconds: 31536000, includeSubDomains: true, preload: false, valid: true },
      errors: [],
    });
    // Stored without the per-request Date header (ADR 0007): it would make every rescan a change.
    expect(facts?.headers.map((h) => h.name)).toEqual(expect.arrayContaining(['Server']));
    expect(facts?.headers.map((h) => h.name)).not.toContain('Date');

    // Nothing changed but the time: the Date header of the response differs, yet the snapshot's
    // content is the same (same hash) and drift stays empty.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await api.scanToCompletion(scopeId, 110_000);
    const hashOf = async (snapshotId: string | null) =>
      (
        (
          await http()
            .get(`/api/v1/snapshots/${snapshotId ?? ''}`)
            .set(api.auth)
            .expect(200)
        ).body as SnapshotResponseDto
      ).contentHash;
    expect(await hashOf(second.snapshotId)).toBe(await hashOf(first.snapshotId));

    headers = { Server: 'Driftwatch-Test/2.0', 'X-Powered-By': 'Express' };
    const third = await api.scanToCompletion(scopeId, 110_000);
    expect(await httpFactsOf(third.snapshotId ?? '')).toMatchObject({ server: 'Driftwatch-Test/2.0' });
    expect((await httpFactsOf(third.snapshotId ?? ''))?.hsts).toBeUndefined();

    const res = await http().get(`/api/v1/scopes/${scopeId}/changes`).set(api.auth).expect(200);
    const changes = (
      res.body as {
        items: { type: string; port: number | null; before: unknown; after: unknown; snapshotId: string }[];
      }
    ).items;
    expect(changes.filter((c) => c.snapshotId === second.snapshotId)).toEqual([]);
    const headerChange = changes.find((c) => c.type === 'port-script-changed' && c.port === port);
    expect(headerChange?.snapshotId).toBe(third.snapshotId);
    expect(headerChange?.before).toEqual({
      id: 'http-headers',
      output: expect.stringContaining('Strict-Transport-Security: max-age=31536000; includeSubDomains'),
    });
    expect(headerChange?.after).toEqual({
      id: 'http-headers',
      output: expect.stringContaining('Server: Driftwatch-Test/2.0'),
    });
    expect(JSON.stringify(headerChange?.after)).not.toContain('Strict-Transport-Security');
    // The same change in typed form: the facts before and after.
    const factsChange = changes.find((c) => c.type === 'port-http-changed' && c.port === port);
    expect(factsChange).toMatchObject({
      snapshotId: third.snapshotId,
      before: {
        server: 'Driftwatch-Test/1.0',
        hsts: expect.objectContaining({ maxAgeSeconds: 31536000 }) as unknown,
      },
      after: { server: 'Driftwatch-Test/2.0' },
    });
    expect(factsChange?.after).not.toHaveProperty('hsts');
  });
});

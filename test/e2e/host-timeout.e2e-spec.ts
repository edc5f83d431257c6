import { createServer, type Server } from 'node:http';

import type { INestApplication } from '@nestjs/common';

import type { FindingResponseDto, ScopeStateResponseDto, SnapshotResponseDto } from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
import { freePort } from '@driftwatch/test/private-redis';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/**
 * A web server on a loopback port this test opened, scanned by the real nmap. It sends nothing
 * until asked, so version detection waits seconds for a banner; with a host timeout of 1 s, nmap
 * gives up on the host meanwhile and reports it up with no ports: stored so, the open port read as closed, drift reported it removed and its finding
 * resolved, while nothing had changed.
 */
describe('a host nmap gives up on (--host-timeout)', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let api: ApiClient;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    server = createServer((_req, res) => res.end('<html><title>x</title></html>'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'standalone');
    api = new ApiClient(app, (await keysForRoles(app, ['analyst'])).analyst);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is a target not observed: its open port and its finding stay, and the scan says why', async () => {
    const scopeId = await api.createScope({
      name: 'host-timeout',
      targets: ['127.0.0.1'],
      ports: [port],
      approvedPorts: [],
      scripts: [],
    });
    const first = await api.scanToCompletion(scopeId, 110_000);
    const openFindings = async () =>
      (
        (await api.http().get('/api/v1/findings').query({ scope: scopeId, status: 'open' }).set(api.auth))
          .body as { items: FindingResponseDto[] }
      ).items.map((f) => `${f.asset} ${f.subject} ${f.ruleId}`);
    const before = await openFindings();
    expect(before).toContain(`127.0.0.1 tcp/${port} pci-dss-v4.1.2.5-open-port-not-approved`);

    await api
      .http()
      .patch(`/api/v1/scopes/${scopeId}`)
      .set(api.auth)
      .send({ hostTimeoutSeconds: 1 })
      .expect(200);
    const second = await api.scanToCompletion(scopeId, 110_000);
    expect(second.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('nmap gave up on 127.0.0.1 (host timeout)')]),
    );
    const snapshot = (
      await api.http().get(`/api/v1/snapshots/${second.snapshotId}`).set(api.auth).expect(200)
    ).body as SnapshotResponseDto;
    expect(snapshot).toMatchObject({ complete: false, missingTargets: ['127.0.0.1'] });
    // The scope as of now: the host in its last known state, the port still open.
    const state = (await api.http().get(`/api/v1/scopes/${scopeId}/state`).set(api.auth).expect(200))
      .body as ScopeStateResponseDto;
    expect(state.hosts.flatMap((h) => h.ports.map((p) => `${p.port} ${p.state}`))).toEqual([`${port} open`]);
    const changes = await api
      .http()
      .get('/api/v1/changes')
      .query({ scope: scopeId })
      .set(api.auth)
      .expect(200);
    expect((changes.body as { items: unknown[] }).items).toEqual([]);
    // Its finding stays open, and the gap in coverage is a finding of its own (10.7.2).
    expect(await openFindings()).toEqual(
      expect.arrayContaining([...before, '127.0.0.1 coverage pci-dss-v4.10.7.2-incomplete-snapshot']),
    );
    expect(first.snapshotId).not.toBe(second.snapshotId);
  });
});

import { createServer, type Server } from 'node:net';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import type { FindingResponseDto, ScanResponseDto } from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
  httpServer,
} from '@driftwatch/test/test-app';

const TELNET_PORT = 23;
const CLEARTEXT_RULE = 'pci-dss-v4.1.2.6-insecure-cleartext-service';

/** A telnet-like listener: option negotiation (IAC DO TERMINAL-TYPE ...) and a login prompt. */
function telnetListener(): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfd, 0x23, 0xff, 0xfd, 0x27]));
    socket.write('\r\nDebian GNU/Linux 12\r\nlogin: ');
    socket.setTimeout(5000, () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(TELNET_PORT, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * The first slice end to end, on real PostgreSQL, Redis and nmap: a telnet service appears on
 * 127.0.0.1:23, a scan through the queue finds it, the API serves the finding; the service
 * goes away, a rescan resolves the finding.
 */
describe('end to end: a cleartext telnet service is found, then resolved', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let auth: { Authorization: string };
  let listener: Server | undefined;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'standalone');
    auth = { Authorization: `Bearer ${(await keysForRoles(app, ['analyst'])).analyst}` };
  });

  afterAll(async () => {
    if (listener?.listening) await close(listener);
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));

  const scanToCompletion = (scopeId: string): Promise<ScanResponseDto> =>
    new ApiClient(app, auth.Authorization.slice('Bearer '.length)).scanToCompletion(scopeId);

  async function telnetFindings(scopeId: string): Promise<FindingResponseDto[]> {
    const res = await http().get('/api/v1/findings').query({ scope: scopeId }).set(auth).expect(200);
    return (res.body as { items: FindingResponseDto[] }).items.filter((f) => f.ruleId === CLEARTEXT_RULE);
  }

  it('opens the finding while telnet listens and resolves it after the listener closes', async () => {
    listener = await telnetListener();
    const scope = await http()
      .post('/api/v1/scopes')
      .set(auth)
      .send({ name: 'telnet-e2e', targets: ['127.0.0.1'], ports: [TELNET_PORT], approvedPorts: [] })
      .expect(201);
    const scopeId = (scope.body as { id: string }).id;

    const first = await scanToCompletion(scopeId);
    expect(first.snapshotId).toEqual(expect.any(String));
    const [opened, ...others] = await telnetFindings(scopeId);
    expect(others).toEqual([]);
    expect(opened).toMatchObject({
      status: 'open',
      asset: '127.0.0.1',
      subject: `tcp/${TELNET_PORT}`,
      severity: 'high',
      requirements: expect.arrayContaining([
        'PCI DSS v4.0.1 1.2.6',
        'PCI DSS v4.0.1 2.2.7',
        'PCI DSS v4.0.1 8.3.2',
      ]),
      firstSnapshotId: first.snapshotId,
      resolvedAt: null,
    });
    expect(opened?.evidence).toMatchObject({ port: TELNET_PORT, protocol: 'tcp', state: 'open' });

    // An unchanged rescan keeps the finding open and adds no state interval.
    const unchanged = await scanToCompletion(scopeId);
    expect(await telnetFindings(scopeId)).toEqual([
      expect.objectContaining({ id: opened?.id, status: 'open', lastSnapshotId: unchanged.snapshotId }),
    ]);

    await close(listener);
    const second = await scanToCompletion(scopeId);
    const [resolved] = await telnetFindings(scopeId);
    expect(resolved).toMatchObject({
      id: opened?.id,
      status: 'resolved',
      firstSeenAt: opened?.firstSeenAt,
      resolvedSnapshotId: second.snapshotId,
      resolvedAt: expect.any(String),
    });

    const open = await http()
      .get('/api/v1/findings')
      .query({ scope: scopeId, status: 'open' })
      .set(auth)
      .expect(200);
    expect(
      (open.body as { items: FindingResponseDto[] }).items.filter((f) => f.ruleId === CLEARTEXT_RULE),
    ).toEqual([]);
  });

  it('exposes scan durations, queue depth and findings by severity as Prometheus metrics', async () => {
    const res = await http().get('/metrics').set(auth).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^driftwatch_scan_duration_seconds_count 3$/m);
    expect(res.text).toMatch(/^driftwatch_scans_total\{outcome="success"\} 3$/m);
    expect(res.text).toMatch(/^driftwatch_queue_jobs\{queue="scan-default",state="waiting"\} 0$/m);
    // Both scans' findings are resolved now: every severity reports zero.
    expect(res.text).toMatch(/^driftwatch_open_findings\{severity="high"\} 0$/m);
    expect(res.text).toMatch(/^driftwatch_open_findings\{severity="critical"\} 0$/m);
  });

  it('keeps history as state intervals and answers what the scope looked like at any time', async () => {
    const scopes = await http().get('/api/v1/scopes').set(auth).expect(200);
    const scopeId = (scopes.body as { items: { id: string }[] }).items[0]?.id ?? '';
    const snapshots = await http().get(`/api/v1/scopes/${scopeId}/snapshots`).set(auth).expect(200);
    const list = (snapshots.body as { items: { id: string; takenAt: string; contentHash: string }[] }).items;
    expect(list).toHaveLength(3);
    const [last, middle, first] = list;
    // Identical observations hash identically; the closed port changes the content.
    expect(middle?.contentHash).toBe(first?.contentHash);
    expect(last?.contentHash).not.toBe(first?.contentHash);

    const detail = await http().get(`/api/v1/snapshots/${first?.id}`).set(auth).expect(200);
    const hosts = (
      detail.body as { hosts: { ports: { port: number; state: string; service?: { name?: string } }[] }[] }
    ).hosts;
    expect(hosts[0]?.ports).toEqual([
      expect.objectContaining({
        port: TELNET_PORT,
        state: 'open',
        service: expect.objectContaining({ name: 'telnet' }),
      }),
    ]);

    const history = await http()
      .get('/api/v1/assets/127.0.0.1/history')
      .query({ scope: scopeId })
      .set(auth)
      .expect(200);
    const intervals = (
      history.body as {
        items: { state: string; firstSeenSnapshotId: string; closedSnapshotId: string | null }[];
      }
    ).items;
    // Three scans, two intervals: open (first scan, confirmed unchanged by the second), then closed.
    expect(intervals).toEqual([
      expect.objectContaining({ state: 'open', firstSeenSnapshotId: first?.id, closedSnapshotId: last?.id }),
      expect.objectContaining({ state: 'closed', firstSeenSnapshotId: last?.id, closedSnapshotId: null }),
    ]);

    const portAt = async (asOf?: string) => {
      const res = await http().get('/api/v1/assets').query({ scope: scopeId, asOf }).set(auth).expect(200);
      return (res.body as { assets: { address: string; ports: { port: number; state: string }[] }[] }).assets;
    };
    expect(await portAt(middle?.takenAt)).toEqual([
      { address: '127.0.0.1', ports: [expect.objectContaining({ port: TELNET_PORT, state: 'open' })] },
    ]);
    expect(await portAt()).toEqual([
      { address: '127.0.0.1', ports: [expect.objectContaining({ port: TELNET_PORT, state: 'closed' })] },
    ]);
    expect(await portAt('2000-01-01T00:00:00Z')).toEqual([]);

    // Drift is stored with each snapshot: the baseline adds none, the unchanged rescan none,
    // and closing the listener one port-state change (with its service gone).
    const drift = await http().get(`/api/v1/scopes/${scopeId}/changes`).set(auth).expect(200);
    const changes = (
      drift.body as {
        items: { type: string; port: number | null; before: unknown; after: unknown; snapshotId: string }[];
      }
    ).items;
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.snapshotId === last?.id)).toBe(true);
    expect(changes).toContainEqual(
      expect.objectContaining({
        type: 'port-state-changed',
        port: TELNET_PORT,
        before: { state: 'open' },
        after: { state: 'closed' },
      }),
    );
    const since = await http()
      .get(`/api/v1/scopes/${scopeId}/changes`)
      .query({ since: last?.takenAt })
      .set(auth)
      .expect(200);
    expect((since.body as { items: unknown[] }).items).toEqual([]);
    const bad = await http().get('/api/v1/assets').query({ scope: scopeId, asOf: 'yesterday' }).set(auth);
    expect(bad.status).toBe(400);
    expect((bad.body as { fields: { field: string }[] }).fields[0]?.field).toBe('asOf');
  });
});

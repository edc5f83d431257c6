import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';

import {
  Clock,
  type FindingResponseDto,
  type FindingTimelineDto,
  type ScanResponseDto,
  type WaiverResponseDto,
} from '@driftwatch/application';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';
import { scopeWithSnapshot } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';

/** nmap XML for hosts of the documentation range 192.0.2.0/24, started at `start` (epoch seconds). */
function nmapXml(start: number, hosts: { addr: string; ports: [number, string][] }[]): string {
  return openPortsXml(hosts, start);
}

const T1 = 1_790_000_000; // 2026-09-21
const DAY = 86_400;

/**
 * The finding lifecycle end to end, on the standalone app (API, worker and scheduler): open,
 * baseline, new since baseline, excepted by a waiver, reopened by the waiver's expiry with no
 * user action (the clock is the test's), resolved, and every step in the timeline.
 */
describe('finding lifecycle: baselines, waivers and the timeline', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'scanner' | 'analyst' | 'auditor' | 'admin', string>;
  let scopeId: string;
  let now: Date;

  beforeAll(async () => {
    env = await createTestEnvironment({
      SCAN_ALLOWED_NETWORKS: '127.0.0.0/8,192.0.2.0/24',
      WAIVER_SWEEP_INTERVAL_MS: '1000',
    });
    app = await createHttpApp(env.config, 'standalone');
    // Every service shares this one Clock: the test decides what time it is.
    now = new Date('2026-11-01T12:00:00Z');
    jest.spyOn(app.get(Clock), 'now').mockImplementation(() => new Date(now));
    keys = await keysForRoles(app, ['scanner', 'analyst', 'auditor', 'admin']);
    const scope = await http()
      .post('/api/v1/scopes')
      .set('Authorization', `Bearer ${keys.analyst}`)
      .send({
        name: 'lifecycle',
        targets: ['192.0.2.0/28'],
        ports: [21, 22, 23],
        approvedPorts: [21, 22, 23],
      })
      .expect(201);
    scopeId = (scope.body as { id: string }).id;
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  async function importScan(xml: string): Promise<void> {
    const res = await http()
      .post(`/api/v1/scopes/${scopeId}/snapshots`)
      .set(as(keys.scanner))
      .set('Content-Type', 'application/xml')
      .send(xml)
      .expect(201);
    const { scanId } = res.body as { scanId: string };
    await waitFor('the import to be evaluated', async () => {
      const scan = (await http().get(`/api/v1/scans/${scanId}`).set(as(keys.auditor)))
        .body as ScanResponseDto;
      return scan.status === 'completed';
    });
  }

  async function finding(port: number): Promise<FindingResponseDto> {
    const res = await http()
      .get('/api/v1/findings')
      .query({ scope: scopeId })
      .set(as(keys.auditor))
      .expect(200);
    const found = (res.body as { items: FindingResponseDto[] }).items.find(
      (f) => f.port === port && f.ruleId === 'pci-dss-v4.1.2.6-insecure-cleartext-service',
    );
    if (!found) throw new Error(`no cleartext finding on port ${port}`);
    return found;
  }

  it('tells findings new since the approved baseline from those failing at it', async () => {
    await importScan(
      nmapXml(T1, [
        {
          addr: '192.0.2.5',
          ports: [
            [23, 'telnet'],
            [22, 'ssh'],
          ],
        },
      ]),
    );
    const telnet = await finding(23);
    expect(telnet).toMatchObject({
      status: 'open',
      baseline: null,
      newSinceBaseline: null,
      port: 23,
      protocol: 'tcp',
    });

    const baseline = await http()
      .post(`/api/v1/scopes/${scopeId}/baselines`)
      .set(as(keys.analyst))
      .send({ note: 'QSA sign-off' })
      .expect(201);
    expect(baseline.body).toMatchObject({
      scopeId,
      findingCount: 1,
      note: 'QSA sign-off',
      takenAt: new Date((T1 + 10) * 1000).toISOString(),
    });
    // The listing counts the approved set in SQL and shows the baseline as its creation did.
    const listed = await http().get(`/api/v1/scopes/${scopeId}/baselines`).set(as(keys.analyst)).expect(200);
    expect(listed.body).toEqual([baseline.body]);

    // Two days later FTP appears on another host.
    await importScan(
      nmapXml(T1 + 2 * DAY, [
        {
          addr: '192.0.2.5',
          ports: [
            [23, 'telnet'],
            [22, 'ssh'],
          ],
        },
        { addr: '192.0.2.6', ports: [[21, 'ftp']] },
      ]),
    );
    expect(await finding(23)).toMatchObject({ newSinceBaseline: false, baseline: { status: 'known' } });
    const ftp = await finding(21);
    expect(ftp.baseline?.summary).toBe(
      `Compliant at the baseline of 2026-09-21; failing since 2026-09-23: ${ftp.message}`,
    );
    expect(ftp).toMatchObject({
      asset: '192.0.2.6',
      status: 'open',
      newSinceBaseline: true,
      firstFailedAt: new Date((T1 + 2 * DAY + 10) * 1000).toISOString(),
    });
    const onlyNew = await http()
      .get('/api/v1/findings')
      .query({ scope: scopeId, newSinceBaseline: true })
      .set(as(keys.auditor))
      .expect(200);
    expect(
      (onlyNew.body as { items: FindingResponseDto[] }).items.map((f) => `${f.asset} ${f.subject}`),
    ).toEqual(expect.arrayContaining(['192.0.2.6 tcp/21']));
    expect((onlyNew.body as { items: FindingResponseDto[] }).items.some((f) => f.port === 23)).toBe(false);
  });

  it('refuses a waiver without a future expiry, a justification or an existing finding, naming the field', async () => {
    const telnet = await finding(23);
    const base = {
      findingId: telnet.id,
      justification: 'Legacy POS terminal, isolated VLAN, replaced in Q1',
      approver: 'CISO',
    };
    const past = await http()
      .post('/api/v1/waivers')
      .set(as(keys.analyst))
      .send({ ...base, expiresAt: '2026-10-01T00:00:00Z' })
      .expect(400);
    expect(JSON.stringify(past.body)).toContain('expiresAt');
    const short = await http()
      .post('/api/v1/waivers')
      .set(as(keys.analyst))
      .send({ ...base, justification: 'ok', expiresAt: '2026-12-01T00:00:00Z' })
      .expect(400);
    expect(JSON.stringify(short.body)).toContain('justification');
    await http()
      .post('/api/v1/waivers')
      .set(as(keys.analyst))
      .send({ ...base, findingId: '00000000-0000-4000-8000-000000000000', expiresAt: '2026-12-01T00:00:00Z' })
      .expect(404);
    await http()
      .post('/api/v1/waivers')
      .set(as(keys.auditor))
      .send({ ...base, expiresAt: '2026-12-01T00:00:00Z' })
      .expect(403);
    expect((await finding(23)).status).toBe('open');
  });

  it('refuses a waiver on a finding of a deleted scope: it is scanned no more', async () => {
    const retired = await scopeWithSnapshot(
      app,
      keys,
      { name: 'retired', targets: ['192.0.2.16/28'], ports: [23], approvedPorts: [] },
      openPortsXml([{ addr: '192.0.2.17', ports: [[23, 'telnet']] }]),
    );
    const res = await http().get(`/api/v1/findings?scope=${retired}`).set(as(keys.analyst)).expect(200);
    const [telnet] = (res.body as { items: { id: string }[] }).items;
    await http().delete(`/api/v1/scopes/${retired}`).set(as(keys.analyst)).expect(204);
    const refused = await http()
      .post('/api/v1/waivers')
      .set(as(keys.analyst))
      .send({
        findingId: telnet.id,
        justification: 'Decommissioned with its scope',
        approver: 'CISO',
        expiresAt: '2026-12-01T00:00:00Z',
      })
      .expect(409);
    expect((refused.body as { detail: string }).detail).toContain('deleted scope');
  });

  it('excepts a finding under a waiver, and reopens it by itself when the waiver expires', async () => {
    const telnet = await finding(23);
    const created = await http()
      .post('/api/v1/waivers')
      .set(as(keys.analyst))
      .send({
        findingId: telnet.id,
        justification: 'Legacy POS terminal, isolated VLAN, replaced in Q1',
        approver: 'CISO',
        expiresAt: '2026-11-01T13:00:00Z',
      })
      .expect(201);
    const waiver = created.body as WaiverResponseDto;
    expect(waiver).toMatchObject({ state: 'in-force', findingId: telnet.id });
    expect(await finding(23)).toMatchObject({
      status: 'excepted',
      waiver: { id: waiver.id, approver: 'CISO' },
    });
    await http()
      .post('/api/v1/waivers')
      .set(as(keys.analyst))
      .send({
        findingId: telnet.id,
        justification: 'A second exception for the same thing',
        approver: 'CISO',
        expiresAt: '2026-11-01T14:00:00Z',
      })
      .expect(409);

    // Still failing in a later scan: it stays excepted.
    await importScan(
      nmapXml(T1 + 3 * DAY, [
        { addr: '192.0.2.5', ports: [[23, 'telnet']] },
        { addr: '192.0.2.6', ports: [[21, 'ftp']] },
      ]),
    );
    expect((await finding(23)).status).toBe('excepted');

    // A webhook on reopened findings: the expiry writes its event in the sweep's transaction.
    await http()
      .post(`/api/v1/scopes/${scopeId}/webhooks`)
      .set(as(keys.admin))
      .send({ url: 'https://hooks.invalid/lifecycle', events: ['finding.reopened'] })
      .expect(201);

    // Time passes beyond the expiry; nobody calls anything but reads.
    now = new Date('2026-11-01T13:00:05Z');
    const reopened = await waitFor(
      'the waiver sweep to reopen the finding',
      async () => {
        const f = await finding(23);
        return f.status === 'open' ? f : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(reopened.waiver).toBeNull();
    const ended = await http().get(`/api/v1/waivers/${waiver.id}`).set(as(keys.auditor)).expect(200);
    expect(ended.body).toMatchObject({ state: 'expired', expiredAt: '2026-11-01T13:00:05.000Z' });
    const events: { payload: { data: Record<string, unknown> } }[] = await app
      .get(DataSource)
      .query(`SELECT payload FROM webhook_deliveries WHERE event_type = 'finding.reopened'`);
    expect(events.map((e) => e.payload.data)).toEqual([
      expect.objectContaining({
        cause: 'waiver-expired',
        snapshotId: null,
        findings: [expect.objectContaining({ id: telnet.id, waiverId: waiver.id, status: 'open' })],
      }),
    ]);
  });

  it('revokes a waiver on demand, reopening its finding', async () => {
    const ftp = await finding(21);
    expect(ftp.baseline?.summary).toBe(
      `Compliant at the baseline of 2026-09-21; failing since 2026-09-23: ${ftp.message}`,
    );
    const created = await http()
      .post('/api/v1/waivers')
      .set(as(keys.analyst))
      .send({
        findingId: ftp.id,
        justification: 'Vendor FTP drop, replaced by SFTP next week',
        approver: 'Head of IT',
        expiresAt: '2026-11-20T00:00:00Z',
      })
      .expect(201);
    expect((await finding(21)).status).toBe('excepted');
    const revoked = await http()
      .delete(`/api/v1/waivers/${(created.body as WaiverResponseDto).id}`)
      .set(as(keys.analyst))
      .expect(200);
    expect(revoked.body).toMatchObject({ state: 'revoked' });
    expect((await finding(21)).status).toBe('open');
    const list = await http()
      .get('/api/v1/waivers')
      .query({ scope: scopeId, inForce: false })
      .set(as(keys.auditor))
      .expect(200);
    expect((list.body as { items: WaiverResponseDto[] }).items.map((w) => w.state).sort()).toEqual([
      'expired',
      'revoked',
    ]);
  });

  it('resolves a finding that stops failing, and keeps every step in its timeline', async () => {
    await importScan(
      nmapXml(T1 + 4 * DAY, [
        { addr: '192.0.2.5', ports: [[22, 'ssh']] },
        { addr: '192.0.2.6', ports: [[21, 'ftp']] },
      ]),
    );
    const telnet = await finding(23);
    expect(telnet.status).toBe('resolved');
    const res = await http().get(`/api/v1/findings/${telnet.id}/timeline`).set(as(keys.auditor)).expect(200);
    const { transitions } = res.body as FindingTimelineDto;
    expect(transitions.map((t) => [t.from, t.to, t.reason])).toEqual([
      [null, 'open', 'first failed'],
      ['open', 'excepted', 'waiver granted'],
      ['excepted', 'open', 'waiver expired'],
      ['open', 'resolved', 'no longer fails'],
    ]);
    expect(transitions[0]?.at).toBe(new Date((T1 + 10) * 1000).toISOString());
    expect(transitions[1]?.actor).toMatch(/^[0-9a-f-]{36}$/);
    expect(transitions[3]?.snapshotId).toMatch(/^[0-9a-f-]{36}$/);
    // What it said never changed: one version, from its first failure.
    const { versions } = res.body as FindingTimelineDto;
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ validFrom: transitions[0]?.at, message: telnet.message });

    // Port 21 now answers as telnet: the same finding (rule, asset, port) says something else.
    const ftp = await finding(21);
    await importScan(
      nmapXml(T1 + 5 * DAY, [
        { addr: '192.0.2.5', ports: [[22, 'ssh']] },
        { addr: '192.0.2.6', ports: [[21, 'telnet']] },
      ]),
    );
    expect((await finding(21)).id).toBe(ftp.id);
    const reworded = await http()
      .get(`/api/v1/findings/${ftp.id}/timeline`)
      .set(as(keys.auditor))
      .expect(200);
    expect((reworded.body as FindingTimelineDto).versions.map((v) => v.message)).toEqual([
      ftp.message,
      ftp.message.replace('runs ftp', 'runs telnet'),
    ]);
    expect(ftp.message).toContain('runs ftp');
    await http()
      .get('/api/v1/findings/00000000-0000-4000-8000-000000000000/timeline')
      .set(as(keys.auditor))
      .expect(404);
  });
});

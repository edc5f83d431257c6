import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';

import {
  type FindingResponseDto,
  type ScanResponseDto,
  type WebhookCreatedResponseDto,
  WebhookDeliverer,
  type WebhookDeliveryResponseDto,
  type WebhookResponseDto,
} from '@driftwatch/application';
import { WebhookDeliveryRepository } from '@driftwatch/persistence';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';
import { openPortsXml } from '@driftwatch/test/nmap-xml';

/** nmap XML for hosts of the documentation range 192.0.2.0/24, started at `start` (epoch seconds). */
function nmapXml(start: number, hosts: { addr: string; ports: [number, string][] }[]): string {
  return openPortsXml(hosts, start);
}

const T1 = 1_790_000_000;
const DAY = 86_400;
const ATTEMPTS = 4;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; scopeId: string; occurredAt: string; data: Record<string, unknown> };
}

/**
 * A real HTTP receiver on 127.0.0.1: /ok and /ok/… answer 204, /flaky 500 twice then 200, /down
 * always 500, /slow 204 once the test releases it.
 */
class Receiver {
  readonly received: Received[] = [];
  private readonly server: Server;
  private flakyCalls = 0;
  private readonly held: (() => void)[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '';
        this.received.push({ path, headers: req.headers, raw, body: JSON.parse(raw) as Received['body'] });
        if (path === '/ok' || path.startsWith('/ok/')) res.writeHead(204).end();
        else if (path === '/flaky') res.writeHead(++this.flakyCalls <= 2 ? 500 : 200).end('ok');
        else if (path === '/slow') this.held.push(() => res.writeHead(204).end());
        else res.writeHead(500).end('receiver is down');
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  on(path: string, type?: string): Received[] {
    return this.received.filter((r) => r.path === path && (!type || r.body.type === type));
  }

  /** Answers the requests /slow holds. */
  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** What a receiver does with the ADR's recipe: HMAC-SHA256 over "<timestamp>.<raw body>". */
function signatureOf(secret: string, r: Received): string {
  const timestamp = String(r.headers['driftwatch-timestamp']);
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.raw}`).digest('hex')}`;
}

/**
 * Webhooks end to end on the standalone app (API, worker, scheduler) against a real receiver:
 * signed events for opened and reopened findings and for drift, written with the change they
 * report and retried with backoff through the queue.
 */
describe('webhooks: signed events on findings and drift, retried through the queue', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'admin' | 'analyst' | 'auditor' | 'scanner', string>;
  let receiver: Receiver;
  let scopeId: string;
  let hook: WebhookCreatedResponseDto;

  beforeAll(async () => {
    env = await createTestEnvironment({
      SCAN_ALLOWED_NETWORKS: '127.0.0.0/8,192.0.2.0/24',
      WEBHOOK_ATTEMPTS: String(ATTEMPTS),
      WEBHOOK_BACKOFF_MS: '100',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_SWEEP_INTERVAL_MS: '1000',
      // The receiver listens on loopback, which webhooks may not reach by default (SSRF).
      WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
      WEBHOOK_DELIVERY_RETENTION_DAYS: '30',
    });
    receiver = new Receiver();
    await receiver.start();
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['admin', 'analyst', 'auditor', 'scanner']);
    scopeId = await newScope('webhooks');
  });

  afterAll(async () => {
    await app?.close();
    await receiver?.stop();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  async function newScope(name: string): Promise<string> {
    const res = await http()
      .post('/api/v1/scopes')
      .set(as(keys.analyst))
      .send({ name, targets: ['192.0.2.0/28'], ports: [21, 22, 23], approvedPorts: [21, 22, 23] })
      .expect(201);
    return (res.body as { id: string }).id;
  }

  async function createHook(
    scope: string,
    path: string,
    events: string[],
  ): Promise<WebhookCreatedResponseDto> {
    const res = await http()
      .post(`/api/v1/scopes/${scope}/webhooks`)
      .set(as(keys.admin))
      .send({ url: receiver.url(path), events })
      .expect(201);
    return res.body as WebhookCreatedResponseDto;
  }

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

  /** Waits until the receiver has at least `count` requests of an event type on a path. */
  async function arrived(path: string, type: string, count = 1): Promise<Received[]> {
    return waitFor(`${count} ${type} request(s) on ${path}`, () => {
      const got = receiver.on(path, type);
      return Promise.resolve(got.length >= count ? got : undefined);
    });
  }

  async function findings(): Promise<FindingResponseDto[]> {
    const res = await http()
      .get('/api/v1/findings')
      .query({ scope: scopeId })
      .set(as(keys.auditor))
      .expect(200);
    return (res.body as { items: FindingResponseDto[] }).items;
  }

  async function deliveries(webhookId: string): Promise<WebhookDeliveryResponseDto[]> {
    const res = await http()
      .get(`/api/v1/webhooks/${webhookId}/deliveries`)
      .set(as(keys.auditor))
      .expect(200);
    return (res.body as { items: WebhookDeliveryResponseDto[] }).items;
  }

  async function settled(webhookId: string, deliveryId: string): Promise<WebhookDeliveryResponseDto> {
    return waitFor(`delivery ${deliveryId} to settle`, async () => {
      const d = (await deliveries(webhookId)).find((x) => x.id === deliveryId);
      return d && d.status !== 'pending' ? d : undefined;
    });
  }

  it('refuses a bad URL or unknown events with 400 naming the field, and non-admins with 403', async () => {
    const post = (body: object, key = keys.admin) =>
      http().post(`/api/v1/scopes/${scopeId}/webhooks`).set(as(key)).send(body);
    for (const url of [
      'http://hooks.example.com/x',
      'https://user:pw@hooks.example.com/x',
      'ftp://hooks.example.com/x',
      'not a url',
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00::1]/x',
      'https://10.1.2.3/x',
    ]) {
      const res = await post({ url, events: ['finding.opened'] }).expect(400);
      expect((res.body as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['url']);
    }
    for (const events of [[], ['finding.closed'], 'finding.opened']) {
      const res = await post({ url: 'https://hooks.example.com/x', events }).expect(400);
      expect((res.body as { fields: { field: string }[] }).fields.map((f) => f.field)).toContain('events');
    }
    await post({ url: 'https://hooks.example.com/x', events: ['finding.opened'] }, keys.analyst).expect(403);
    await http()
      .post('/api/v1/scopes/00000000-0000-4000-8000-000000000000/webhooks')
      .set(as(keys.admin))
      .send({ url: 'https://hooks.example.com/x', events: ['finding.opened'] })
      .expect(404);
  });

  it('returns the signing secret once, at creation, and never again', async () => {
    hook = await createHook(scopeId, '/ok', ['finding.opened', 'finding.reopened', 'drift.detected']);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = await http().get(`/api/v1/scopes/${scopeId}/webhooks`).set(as(keys.admin)).expect(200);
    const shown: Partial<WebhookCreatedResponseDto> = { ...hook };
    delete shown.secret;
    expect(listed.body).toEqual({ items: [shown] });
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret);
    expect(JSON.stringify(listed.body)).not.toMatch(/secret/i);
  });

  it('an import that opens findings delivers one signed finding.opened event with all of them', async () => {
    await importScan(
      nmapXml(T1, [
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
    const [e] = await arrived('/ok', 'finding.opened');
    if (!e) throw new Error('no finding.opened request');
    expect(e.headers['content-type']).toBe('application/json');
    expect(e.headers['driftwatch-event']).toBe('finding.opened');
    expect(Math.abs(Number(e.headers['driftwatch-timestamp']) - Date.now() / 1000)).toBeLessThan(120);
    expect(e.headers['driftwatch-signature']).toBe(signatureOf(hook.secret, e));
    expect(signatureOf('whsec_wrong', e)).not.toBe(e.headers['driftwatch-signature']);

    const open = await findings();
    expect(open.length).toBeGreaterThanOrEqual(2);
    const sent = e.body.data['findings'] as { id: string; status: string; ruleId: string }[];
    expect(sent.map((f) => f.id).sort()).toEqual(open.map((f) => f.id).sort());
    expect(e.body).toMatchObject({
      type: 'finding.opened',
      scopeId,
      data: { total: open.length, part: { index: 1, count: 1 } },
    });
    expect(sent.every((f) => f.status === 'open')).toBe(true);

    // One event for the whole evaluation; the first snapshot of a scope is its baseline, not drift.
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.on('/ok', 'finding.opened')).toHaveLength(1);
    expect(receiver.on('/ok', 'drift.detected')).toHaveLength(0);
    const [delivery] = await deliveries(hook.id);
    expect(delivery).toMatchObject({
      id: e.headers['driftwatch-delivery'],
      eventId: e.body.id,
      eventType: 'finding.opened',
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 204,
      lastError: null,
    });
    expect(JSON.stringify(await deliveries(hook.id))).not.toContain(hook.secret);
  });

  it('a reimport where a finding resolves sends drift.detected; when it fails again, finding.reopened', async () => {
    const telnet = (await findings()).find((f) => f.port === 23);
    expect(telnet).toBeDefined();

    await importScan(
      nmapXml(T1 + DAY, [
        { addr: '192.0.2.5', ports: [[22, 'ssh']] },
        { addr: '192.0.2.6', ports: [[21, 'ftp']] },
      ]),
    );
    const [drift] = await arrived('/ok', 'drift.detected');
    if (!drift) throw new Error('no drift.detected request');
    expect(drift.body.data).toMatchObject({
      total: 1,
      counts: { 'port-removed': 1 },
      changes: [{ type: 'port-removed', address: '192.0.2.5', protocol: 'tcp', port: 23 }],
      truncated: false,
    });
    expect(drift.headers['driftwatch-signature']).toBe(signatureOf(hook.secret, drift));
    expect(receiver.on('/ok', 'finding.reopened')).toHaveLength(0);

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
    const [reopened] = await arrived('/ok', 'finding.reopened');
    if (!reopened) throw new Error('no finding.reopened request');
    expect(reopened.body.data['findings']).toEqual([
      expect.objectContaining({ id: telnet?.id, status: 'open', asset: '192.0.2.5', subject: 'tcp/23' }),
    ]);
    expect(reopened.headers['driftwatch-signature']).toBe(signatureOf(hook.secret, reopened));
    await arrived('/ok', 'drift.detected', 2);
    // The port coming back is also an unapproved change: that opens a new finding, in its own event.
    const opened = await arrived('/ok', 'finding.opened', 2);
    const ruleIds = (opened[1]?.body.data['findings'] as { ruleId: string }[]).map((f) => f.ruleId);
    expect(ruleIds).toEqual(['pci-dss-v4.1.2.2-unapproved-change']);
  });

  it('retries a receiver that fails twice with backoff, and records the delivery on the third attempt', async () => {
    const flaky = await createHook(scopeId, '/flaky', ['finding.reopened']);
    const ping = await http().post(`/api/v1/webhooks/${flaky.id}/test`).set(as(keys.admin)).expect(202);
    const queued = ping.body as WebhookDeliveryResponseDto;
    expect(queued).toMatchObject({ webhookId: flaky.id, eventType: 'ping', status: 'pending', attempts: 0 });
    const done = await settled(flaky.id, queued.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
    const calls = receiver.on('/flaky');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['driftwatch-delivery']))).toEqual(new Set([queued.id]));
    for (const call of calls)
      expect(call.headers['driftwatch-signature']).toBe(signatureOf(flaky.secret, call));
  });

  it('gives up on a receiver that always answers 500: failed after the configured attempts, with the last status', async () => {
    const down = await createHook(scopeId, '/down', ['finding.reopened']);
    const ping = await http().post(`/api/v1/webhooks/${down.id}/test`).set(as(keys.admin)).expect(202);
    const done = await settled(down.id, (ping.body as WebhookDeliveryResponseDto).id);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: ATTEMPTS,
      lastStatusCode: 500,
      nextAttemptAt: null,
    });
    expect(done.lastError).toContain('500');
    expect(receiver.on('/down')).toHaveLength(ATTEMPTS);
  });

  it('the sweep sends a pending delivery whose job was never enqueued', async () => {
    // Subscribed to nothing the next test's import causes: only the ping reaches /ok from it.
    const lost = await createHook(scopeId, '/ok', ['finding.reopened']);
    // Committed like an outbox row whose enqueue was lost (Redis down after the commit), a minute ago.
    const delivery = await app
      .get(DataSource)
      .transaction((manager) =>
        app
          .get(WebhookDeliveryRepository)
          .recordPing(
            lost.id,
            { id: '', type: 'ping', scopeId, occurredAt: new Date().toISOString(), data: {} },
            new Date(Date.now() - 60_000),
            manager,
          ),
      );
    const done = await settled(lost.id, delivery.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(receiver.received.filter((r) => r.headers['driftwatch-delivery'] === delivery.id)).toHaveLength(1);
  });

  it('a configuration document that changes sends config.drift, naming the change but not its values', async () => {
    const configScope = await newScope('webhooks-config');
    const configHook = await createHook(configScope, '/ok/config', ['config.drift']);
    const submit = async (content: string, secondsAgo: number) =>
      (
        await http()
          .post(`/api/v1/scopes/${configScope}/config`)
          .set(as(keys.scanner))
          .send({
            kind: 'sshd-config',
            asset: '192.0.2.9',
            collectedAt: new Date(Date.now() - secondsAgo * 1000).toISOString(),
            content,
          })
          .expect(200)
      ).body as { outcome: string; change: { id: string } | null };
    expect((await submit('PasswordAuthentication no\nPermitRootLogin no\n', 60)).outcome).toBe('created');
    const changed = await submit('PasswordAuthentication yes\nPermitRootLogin no\n', 30);
    expect(changed.outcome).toBe('changed');
    const [drift] = await arrived('/ok/config', 'config.drift');
    if (!drift) throw new Error('no config.drift request');
    expect(drift.body).toMatchObject({ type: 'config.drift', scopeId: configScope });
    expect(drift.body.data).toMatchObject({
      changeId: changed.change?.id,
      asset: '192.0.2.9',
      kind: 'sshd-config',
      tag: '',
      total: 1,
      counts: { 'setting-changed': 1 },
      changes: [
        expect.objectContaining({
          type: 'setting-changed',
          path: expect.stringMatching(/passwordauthentication/i),
        }),
      ],
      truncated: false,
    });
    expect(Object.keys((drift.body.data['changes'] as object[])[0] ?? {}).sort()).toEqual(['path', 'type']);
    expect(drift.raw).not.toMatch(/\byes\b/);
    expect(drift.headers['driftwatch-signature']).toBe(signatureOf(configHook.secret, drift));
    // The same document again confirms the one in force: no drift, no event.
    expect((await submit('PasswordAuthentication yes\nPermitRootLogin no\n', 10)).outcome).not.toBe(
      'changed',
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.on('/ok/config', 'config.drift')).toHaveLength(1);
  });

  it('a revoked waiver reopens its finding with a finding.reopened event naming the waiver and why', async () => {
    const open = (await findings()).find((f) => f.status === 'open');
    if (!open) throw new Error('no open finding to waive');
    const waiver = (
      await http()
        .post('/api/v1/waivers')
        .set(as(keys.analyst))
        .send({
          findingId: open.id,
          justification: 'Compensating control documented in CR-42',
          approver: 'CISO',
          expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        })
        .expect(201)
    ).body as { id: string };
    await http().delete(`/api/v1/waivers/${waiver.id}`).set(as(keys.analyst)).expect(200);
    // Other hooks of the scope also post to /ok: take the main hook's request by its signature.
    const event = await waitFor('a finding.reopened event caused by the revocation', () =>
      Promise.resolve(
        receiver
          .on('/ok', 'finding.reopened')
          .find(
            (r) =>
              r.body.data['cause'] === 'waiver-revoked' &&
              r.headers['driftwatch-signature'] === signatureOf(hook.secret, r),
          ),
      ),
    );
    expect(event.body.data).toMatchObject({
      cause: 'waiver-revoked',
      snapshotId: null,
      policyVersion: null,
      total: 1,
      findings: [expect.objectContaining({ id: open.id, waiverId: waiver.id, status: 'open' })],
    });
  });

  it('an admin pauses, resumes, re-targets a webhook and rotates its secret; each is checked and audited', async () => {
    const manageScope = await newScope('webhooks-manage');
    const managed = await createHook(manageScope, '/ok/manage', ['drift.detected']);
    let at = 600;
    const changeConfig = async () => {
      at -= 10;
      await http()
        .post(`/api/v1/scopes/${manageScope}/config`)
        .set(as(keys.scanner))
        .send({
          kind: 'sshd-config',
          asset: '192.0.2.10',
          collectedAt: new Date(Date.now() - at * 1000).toISOString(),
          content: `PasswordAuthentication no\nMaxAuthTries ${at}\n`,
        })
        .expect(200);
    };
    const patch = (body: object, key = keys.admin) =>
      http().patch(`/api/v1/webhooks/${managed.id}`).set(as(key)).send(body);
    await changeConfig();

    // Paused: a config change records nothing for it.
    const paused = await patch({ enabled: false, events: ['config.drift'] }).expect(200);
    expect(paused.body).toMatchObject({ id: managed.id, enabled: false, events: ['config.drift'] });
    await changeConfig();
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.on('/ok/manage')).toHaveLength(0);
    expect(await deliveries(managed.id)).toEqual([]);

    // Resumed, with a new secret: the next event is signed with it, not with the old one.
    await patch({ enabled: true }).expect(200);
    const rotated = await http()
      .post(`/api/v1/webhooks/${managed.id}/secret`)
      .set(as(keys.admin))
      .expect(201);
    const secret = (rotated.body as { secret: string }).secret;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(managed.secret);
    await changeConfig();
    const [event] = await arrived('/ok/manage', 'config.drift');
    if (!event) throw new Error('no config.drift request');
    expect(event.headers['driftwatch-signature']).toBe(signatureOf(secret, event));
    expect(event.headers['driftwatch-signature']).not.toBe(signatureOf(managed.secret, event));

    // Rotated with an overlap: for an hour every delivery carries both signatures, the new first.
    const rotate = (body?: object) => {
      const req = http().post(`/api/v1/webhooks/${managed.id}/secret`).set(as(keys.admin));
      return body ? req.send(body) : req;
    };
    const overlapping = await rotate({ overlapHours: 1 }).expect(201);
    const { secret: newest, rotationOverlapEndsAt } = overlapping.body as {
      secret: string;
      rotationOverlapEndsAt: string;
    };
    const hourAhead = Date.parse(rotationOverlapEndsAt) - Date.now();
    expect(hourAhead).toBeGreaterThan(3_500_000);
    expect(hourAhead).toBeLessThanOrEqual(3_600_000);
    await changeConfig();
    const both = (await arrived('/ok/manage', 'config.drift', 2))[1];
    if (!both) throw new Error('no config.drift request during the overlap');
    expect(both.headers['driftwatch-signature']).toBe(
      `${signatureOf(newest, both)},${signatureOf(secret, both)}`,
    );
    for (const bad of [
      { overlapHours: 169 },
      { overlapHours: -1 },
      { overlapHours: 1.5 },
      { overlapHours: 'x' },
    ]) {
      const refused = await rotate(bad).expect(400);
      const fields = (refused.body as { fields: { field: string }[] }).fields.map((f) => f.field);
      expect([...new Set(fields)]).toEqual(['overlapHours']);
    }
    await rotate({ overlap: 1 }).expect(400);
    const listed = await http().get(`/api/v1/scopes/${manageScope}/webhooks`).set(as(keys.admin)).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((listed.body as { items: WebhookResponseDto[] }).items[0]?.rotationOverlapEndsAt).toBe(
      rotationOverlapEndsAt,
    );

    // Re-targeted to another path of the receiver.
    await patch({ url: receiver.url('/ok/moved') }).expect(200);
    await changeConfig();
    await arrived('/ok/moved', 'config.drift');

    // Refusals: a URL webhooks may not reach, nothing to change, an unknown event, another role.
    const field = async (body: object) =>
      ((await patch(body).expect(400)).body as { fields: { field: string }[] }).fields.map((f) => f.field);
    expect(await field({ url: 'https://169.254.169.254/latest/' })).toEqual(['url']);
    expect(await field({})).toEqual(['body']);
    expect(await field({ events: ['finding.closed'] })).toContain('events');
    // null is not "unchanged" (it was a 500: the URL check read it, or a NOT NULL column refused it).
    expect(await field({ url: null })).toContain('url');
    expect(await field({ events: null })).toContain('events');
    expect(await field({ enabled: null })).toEqual(['enabled']);
    await patch({ enabled: false }, keys.analyst).expect(403);
    await http().post(`/api/v1/webhooks/${managed.id}/secret`).set(as(keys.analyst)).expect(403);
    const after = await http().get(`/api/v1/scopes/${manageScope}/webhooks`).set(as(keys.admin)).expect(200);
    expect((after.body as { items: { url: string; enabled: boolean }[] }).items).toEqual([
      expect.objectContaining({ url: receiver.url('/ok/moved'), enabled: true, events: ['config.drift'] }),
    ]);
    expect(JSON.stringify(after.body)).not.toContain(secret);

    const trail = await http()
      .get('/api/v1/audit')
      .query({ scope: manageScope })
      .set(as(keys.auditor))
      .expect(200);
    const actions = (trail.body as { items: { action: string }[] }).items.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['webhook.updated', 'webhook.secret-rotated']));
    expect(JSON.stringify(trail.body)).not.toContain(secret);
  });

  // Deleting a webhook fails its pending deliveries; one already in flight used to stay failed
  // ("the webhook was deleted") though the receiver took it.
  it('records as delivered an event the receiver took while its webhook was being deleted', async () => {
    const slow = await createHook(scopeId, '/slow', ['drift.detected']);
    const ping = await http().post(`/api/v1/webhooks/${slow.id}/test`).set(as(keys.admin)).expect(202);
    await arrived('/slow', 'ping');
    await http().delete(`/api/v1/webhooks/${slow.id}`).set(as(keys.admin)).expect(200);
    receiver.release();
    const id = (ping.body as WebhookDeliveryResponseDto).id;
    // Failed by the delete at first; delivered once the receiver's 204 is recorded.
    const done = await waitFor(
      'the delivery to be recorded as delivered',
      async () => (await deliveries(slow.id)).find((d) => d.id === id && d.status === 'delivered'),
      { timeoutMs: 15_000 },
    );
    expect(done).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204, lastError: null });
  });

  it('deleting a webhook stops its events; its deliveries stay readable', async () => {
    const before = receiver.on('/ok').length;
    await http().delete(`/api/v1/webhooks/${hook.id}`).set(as(keys.analyst)).expect(403);
    const deleted = await http().delete(`/api/v1/webhooks/${hook.id}`).set(as(keys.admin)).expect(200);
    expect(deleted.body).toMatchObject({ id: hook.id, enabled: false });
    expect(JSON.stringify(deleted.body)).not.toContain(hook.secret);
    await http().delete(`/api/v1/webhooks/${hook.id}`).set(as(keys.admin)).expect(404);
    await http().post(`/api/v1/webhooks/${hook.id}/test`).set(as(keys.admin)).expect(404);
    await importScan(nmapXml(T1 + 3 * DAY, [{ addr: '192.0.2.5', ports: [[22, 'ssh']] }]));
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.on('/ok').length).toBe(before);
    expect((await deliveries(hook.id)).length).toBeGreaterThanOrEqual(4);
  });

  it('the sweep deletes settled deliveries past the retention, and only those', async () => {
    const db = app.get(DataSource);
    const ids = async (where = 'true'): Promise<string[]> =>
      (await db.query<{ id: string }[]>(`SELECT id FROM webhook_deliveries WHERE ${where} ORDER BY id`)).map(
        (r) => r.id,
      );
    const [delivered] = await ids(`status = 'delivered'`);
    if (!delivered) throw new Error('no delivered delivery to age');
    await db.query(`UPDATE webhook_deliveries SET created_at = now() - interval '31 days' WHERE id = $1`, [
      delivered,
    ]);
    const all = await ids();
    const old = await ids(`created_at < now() - interval '30 days'`);
    const recentSettled = await ids(`status <> 'pending' AND created_at >= now() - interval '30 days'`);
    expect(recentSettled.length).toBeGreaterThan(0);
    // The app's own sweep runs every second too: compare what is gone, not one call's count.
    await app.get(WebhookDeliverer).sweep();
    const left = await ids();
    const gone = all.filter((id) => !left.includes(id));
    expect(gone).toContain(delivered);
    expect(old).toEqual(expect.arrayContaining(gone));
    // What is left past the retention is only what has not settled yet.
    expect(await ids(`created_at < now() - interval '30 days' AND status <> 'pending'`)).toEqual([]);
    expect(left).toEqual(expect.arrayContaining(recentSettled));
  });
});

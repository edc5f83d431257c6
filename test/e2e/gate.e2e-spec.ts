import { createServer, type Server } from 'node:net';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';

import type { GateResponseDto } from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

// Its own loopback address, so this suite's port 23 never meets the telnet suite's (127.0.0.1:23).
const HOST = '127.0.0.23';
const TELNET_PORT = 23;

/** A telnet-like listener: option negotiation and a login prompt, as nmap's probes expect. */
function telnetListener(): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfd, 0x23, 0xff, 0xfd, 0x27]));
    socket.write('\r\nDebian GNU/Linux 12\r\nlogin: ');
    socket.setTimeout(5000, () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(TELNET_PORT, HOST, () => resolve(server));
  });
}

/**
 * The CI gate end to end on real PostgreSQL, Redis and nmap: a scope passes, a telnet listener
 * appears, a scan runs, and the gate fails naming 2.2.7; the verdict is an answer (200), never an
 * error, and a scope never scanned fails for want of a snapshot.
 */
describe('CI gate: GET /api/v1/gate', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'analyst' | 'ci' | 'scanner', string>;
  let listener: Server | undefined;

  const http = () => request(httpServer(app));
  const gate = async (query: Record<string, string>): Promise<GateResponseDto> =>
    (await http().get('/api/v1/gate').query(query).set('Authorization', `Bearer ${keys.ci}`).expect(200))
      .body as GateResponseDto;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['analyst', 'ci', 'scanner']);
  });

  afterAll(async () => {
    if (listener?.listening) await new Promise<void>((resolve) => listener?.close(() => resolve()));
    await app?.close();
    await env?.cleanup();
  });

  it('passes a clean scope, then fails naming 2.2.7 once telnet listens and a scan saw it', async () => {
    const analyst = new ApiClient(app, keys.analyst);
    const scopeId = await analyst.createScope({
      name: 'gate-e2e',
      targets: [HOST],
      ports: [TELNET_PORT],
      approvedPorts: [],
    });
    await analyst.scanToCompletion(scopeId);
    const clean = await gate({ scope: scopeId, failOn: 'high' });
    expect(clean).toMatchObject({
      verdict: 'pass',
      reasons: [],
      failOn: 'high',
      mode: 'all',
      blocking: [],
      snapshot: { stale: false },
      policy: { name: 'pci-dss-v4', version: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });

    listener = await telnetListener();
    await analyst.scanToCompletion(scopeId);
    const failed = await gate({ scope: scopeId, failOn: 'high' });
    expect(failed.verdict).toBe('fail');
    expect(failed.reasons).toEqual([expect.stringMatching(/finding(s)? at or above high/)]);
    const telnet = failed.blocking.find((f) => f.subject === `tcp/${TELNET_PORT}` && f.severity === 'high');
    expect(telnet).toMatchObject({
      asset: HOST,
      ruleId: 'pci-dss-v4.1.2.6-insecure-cleartext-service',
      requirements: expect.arrayContaining(['PCI DSS v4.0.1 2.2.7']),
      evidenceUrl: expect.stringMatching(/^\/api\/v1\/findings\/[0-9a-f-]{36}$/),
    });
    // The evidence link leads to the stored finding (for a reader: the ci role reads verdicts only).
    const evidence = await http()
      .get(telnet?.evidenceUrl ?? '')
      .set('Authorization', `Bearer ${keys.analyst}`)
      .expect(200);
    expect(evidence.body).toMatchObject({
      id: telnet?.id,
      fingerprint: telnet?.fingerprint,
      evidence: { port: 23 },
    });
    expect(failed.counts.high).toBeGreaterThanOrEqual(1);

    // With a baseline approving today's state, mode=new passes; mode=all still fails.
    await http()
      .post(`/api/v1/scopes/${scopeId}/baselines`)
      .set('Authorization', `Bearer ${keys.analyst}`)
      .send({ note: 'accepted for the test' })
      .expect(201);
    expect((await gate({ scope: scopeId, failOn: 'high', mode: 'new' })).verdict).toBe('pass');
    expect((await gate({ scope: scopeId, failOn: 'high', mode: 'all' })).verdict).toBe('fail');
    // A dry run of the same state (nmap XML of it) reads the baseline's approved fingerprints too.
    const sameState = openPortsXml([{ addr: HOST, ports: [[TELNET_PORT, 'telnet']] }]);
    const dryRun = async (mode: string) =>
      (
        await http()
          .post('/api/v1/evaluate')
          .set('Authorization', `Bearer ${keys.ci}`)
          .send({ scope: scopeId, failOn: 'high', mode, nmapXml: sameState })
          .expect(200)
      ).body as GateResponseDto;
    expect((await dryRun('new')).verdict).toBe('pass');
    const all = await dryRun('all');
    expect(all.verdict).toBe('fail');
    expect(all.findings.every((f) => f.newSinceBaseline === false)).toBe(true);
    // A threshold above every finding passes.
    expect((await gate({ scope: scopeId, failOn: 'critical' })).verdict).toBe('pass');
    await new Promise<void>((resolve) => listener?.close(() => resolve()));
  }, 180_000);

  it('a dry run fails a candidate (network or ruleset) that would open telnet, before anything is deployed or stored', async () => {
    const analyst = new ApiClient(app, keys.analyst);
    const scopeId = await analyst.createScope({
      name: 'gate-dry-run',
      targets: [HOST],
      ports: [22, TELNET_PORT],
      approvedPorts: [22],
    });
    await analyst.scanToCompletion(scopeId);
    const stored = async (): Promise<Record<string, number>> => {
      const counts: Record<string, number> = {};
      for (const table of ['findings', 'evaluations', 'snapshots', 'audit_entries', 'changes']) {
        const rows: { n: string }[] = await app.get(DataSource).query(`SELECT count(*) AS n FROM ${table}`);
        counts[table] = Number(rows[0].n);
      }
      return counts;
    };
    const before = await stored();
    const dryRun = (body: object) =>
      http().post('/api/v1/evaluate').set('Authorization', `Bearer ${keys.ci}`).send(body);

    // Staging, as nmap saw it: the same host with telnet listening.
    const staging = openPortsXml([{ addr: HOST, ports: [[TELNET_PORT, 'telnet']] }]);
    const network = await dryRun({ scope: scopeId, failOn: 'high', nmapXml: staging }).expect(200);
    const verdict = network.body as GateResponseDto;
    expect(verdict).toMatchObject({
      verdict: 'fail',
      dryRun: true,
      snapshot: { id: 'candidate', stale: false },
    });
    expect(verdict.blocking).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          asset: HOST,
          subject: `tcp/${TELNET_PORT}`,
          requirements: expect.arrayContaining(['PCI DSS v4.0.1 2.2.7']),
        }),
      ]),
    );
    expect(verdict.blocking.every((f) => f.id === undefined)).toBe(true);

    // The firewall ruleset a deploy is about to load, which would open telnet.
    const ruleset =
      '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n' +
      '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 23 -j ACCEPT\nCOMMIT\n';
    const firewall = await dryRun({
      scope: scopeId,
      failOn: 'high',
      documents: [{ kind: 'iptables-save', asset: HOST, content: ruleset }],
    }).expect(200);
    expect(firewall.body).toMatchObject({ verdict: 'fail', dryRun: true });
    expect((firewall.body as GateResponseDto).blocking).toEqual([
      expect.objectContaining({
        ruleId: 'pci-dss-v4.1.2.6-ruleset-allows-cleartext',
        asset: HOST,
        requirements: expect.arrayContaining(['PCI DSS v4.0.1 2.2.7']),
        message: expect.stringContaining('tcp/23'),
      }),
    ]);

    // A configuration about to be applied: sshd letting root log in.
    const sshd = 'port 22\npermitrootlogin yes\npasswordauthentication no\nkbdinteractiveauthentication no\n';
    const config = await dryRun({
      scope: scopeId,
      documents: [{ kind: 'sshd-config', asset: HOST, content: sshd }],
    }).expect(200);
    expect((config.body as GateResponseDto).blocking).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ruleId: 'pci-dss-v4.2.2.7-sshd-root-login', asset: HOST }),
      ]),
    );
    // The scope as it is still passes: nothing of the candidates was kept.
    expect(await stored()).toEqual(before);
    expect((await gate({ scope: scopeId, failOn: 'high' })).verdict).toBe('pass');

    // Bad candidates are refused, naming the field.
    for (const [body, field] of [
      [{ scope: scopeId }, 'nmapXml'],
      [{ scope: scopeId, nmapXml: '<nmaprun><host>' }, 'nmapXml'],
      [
        { scope: scopeId, nmapXml: openPortsXml([{ addr: '127.0.0.99', ports: [[23, 'telnet']] }]) },
        'nmapXml.hosts[0]',
      ],
      [
        {
          scope: scopeId,
          documents: [{ kind: 'sshd-config', asset: HOST, content: 'permitrootlogin maybe\n' }],
        },
        'documents[0].content',
      ],
      [{ scope: scopeId, documents: [{ kind: 'nope', asset: HOST, content: 'x' }] }, 'documents'],
    ] as const) {
      const res = await dryRun(body);
      expect(res.status).toBe(400);
      expect(JSON.stringify((res.body as { fields?: unknown }).fields)).toContain(field);
    }
    await dryRun({ scope: '00000000-0000-4000-8000-000000000000', nmapXml: staging }).expect(404);
    await http()
      .post('/api/v1/evaluate')
      .set('Authorization', `Bearer ${keys.scanner}`)
      .send({ scope: scopeId, nmapXml: staging })
      .expect(403);
    expect(await stored()).toEqual(before);
  }, 120_000);

  // It judged every host of the candidate as having appeared (1.2.2) and without the policy
  // context (1.2.5 for a port the host's role approves), unlike the first snapshot it stands for.
  it('a dry run of a scope never scanned judges the candidate as its first snapshot: no drift, the policy context applied', async () => {
    const addr = '127.0.0.24';
    const put = (body: object) =>
      http().put('/api/v1/context').set('Authorization', `Bearer ${keys.analyst}`).send(body).expect(200);
    await put({
      roles: [{ name: 'web', approvedPorts: ['tcp/8080'] }],
      inventory: [{ address: addr, role: 'web' }],
    });
    try {
      const scopeId = await new ApiClient(app, keys.analyst).createScope({
        name: 'gate-first',
        targets: [addr],
        ports: [22, 8080],
        approvedPorts: [22],
      });
      const candidate = openPortsXml([
        {
          addr,
          ports: [
            [22, 'ssh'],
            [8080, 'http-proxy'],
          ],
        },
      ]);
      const res = await http()
        .post('/api/v1/evaluate')
        .set('Authorization', `Bearer ${keys.ci}`)
        .send({ scope: scopeId, failOn: 'info', nmapXml: candidate })
        .expect(200);
      const rules = (res.body as GateResponseDto).blocking.map((f) => f.ruleId);
      expect(rules).not.toContain('pci-dss-v4.1.2.2-unapproved-change');
      expect(rules).not.toContain('pci-dss-v4.1.2.5-open-port-not-approved');
    } finally {
      await put({});
    }
  });

  it('fails a scope that was never scanned: its state is unknown', async () => {
    const scopeId = await new ApiClient(app, keys.analyst).createScope({
      name: 'gate-never-scanned',
      targets: [HOST],
      ports: [TELNET_PORT],
    });
    const result = await gate({ scope: scopeId });
    expect(result).toMatchObject({
      verdict: 'fail',
      snapshot: null,
      reasons: ['the scope has no snapshot: its state is unknown'],
    });
  });

  it('refuses a bad query with the field named, and an unknown scope with 404', async () => {
    for (const [query, field] of [
      [{ scope: 'nope' }, 'scope'],
      [{ scope: '00000000-0000-4000-8000-000000000000', failOn: 'severe' }, 'failOn'],
      [{ scope: '00000000-0000-4000-8000-000000000000', mode: 'some' }, 'mode'],
    ] as const) {
      const res = await http().get('/api/v1/gate').query(query).set('Authorization', `Bearer ${keys.ci}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify((res.body as { fields?: unknown }).fields)).toContain(field);
    }
    await http()
      .get('/api/v1/gate')
      .query({ scope: '00000000-0000-4000-8000-000000000000' })
      .set('Authorization', `Bearer ${keys.ci}`)
      .expect(404);
    await http().get('/api/v1/gate').query({ scope: '00000000-0000-4000-8000-000000000000' }).expect(401);
    await http()
      .get('/api/v1/gate')
      .query({ scope: '00000000-0000-4000-8000-000000000000' })
      .set('Authorization', `Bearer ${keys.scanner}`)
      .expect(403);
  });
});

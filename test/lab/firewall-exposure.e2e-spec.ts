import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import type { INestApplication } from '@nestjs/common';

import type {
  ConfigChangeListResponseDto,
  ConfigSubmittedDto,
  FindingListResponseDto,
  FindingResponseDto,
  ScanResponseDto,
  SnapshotResponseDto,
} from '@driftwatch/application';
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
const BLOCKED_BUT_REACHED = 'pci-dss-v4.1.3.1-reachable-though-ruleset-blocks';
const ALLOWED_BUT_UNREACHABLE = 'pci-dss-v4.1.2.1-ruleset-allows-but-unreachable';
const FIREWALL_EXPOSURE_RULES: readonly string[] = [BLOCKED_BUT_REACHED, ALLOWED_BUT_UNREACHABLE];

/**
 * The firewall-vs-observed comparison end to end: the router's ruleset is collected with the real
 * `iptables-save` and submitted as a configuration document, then the live firewall is changed
 * without collecting again, so the documented ruleset and the real one differ. A scan from the
 * corp vantage (a worker inside the corp namespace) then reaches a port the document drops and
 * finds filtered a port the document accepts; collecting the changed ruleset again shows the two
 * rules as drift and, once the scope's latest snapshot is judged again, resolves both findings.
 */
describe('network lab: the firewall ruleset in force compared with what the corp vantage reached', () => {
  let lab: Lab | undefined;
  let env: TestEnvironment | undefined;
  let app: INestApplication | undefined;
  let api: ApiClient;
  let worker: ChildProcess | undefined;
  let workerOutput = '';
  let scopeId: string;
  let cde: string;
  let router: string;
  let scan: ScanResponseDto;
  let reachedButBlocked: FindingResponseDto;
  let allowedButUnreachable: FindingResponseDto;

  beforeAll(async () => {
    if (!existsSync(WORKER)) throw new Error('dist/apps/worker/main.js is missing: run npm run build');
    lab = await startLab();
    cde = lab.zones.cde.hostAddress;
    // The router as corp sees it: the asset a collector would name it by.
    router = lab.zones.corp.routerAddress;
    // nmap's host discovery (ICMP echo, SYN to 443, ACK to 80) must still see the host once 443
    // is dropped below; the scanner never passes -Pn. Part of the ruleset collected, so no drift.
    await lab.firewall(`-A FORWARD -s ${lab.zones.corp.subnet} -d ${cde} -p icmp -j ACCEPT`.split(' '));
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
    // The only worker: it runs the corp scans and the evaluations (the API runs no processors).
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

    // The rules take the vantage zone's networks as the scan's sources.
    await api
      .http()
      .put('/api/v1/context')
      .set(api.auth)
      .send({
        zones: [
          { name: 'corp', networks: [lab.zones.corp.subnet], classification: 'internal' },
          { name: 'cde', networks: [lab.zones.cde.subnet], classification: 'cde' },
        ],
      })
      .expect(200);
    scopeId = await api.createScope({
      name: 'cde-from-corp',
      targets: [cde],
      ports: [22, 23, 443],
      approvedPorts: [22, 443],
      vantage: 'corp',
      scripts: [],
    });
  }, 120_000);

  afterAll(async () => {
    // Each step runs even when one before it failed; the worker goes before its database does.
    const steps: (() => Promise<unknown>)[] = [
      () => stopWorker(worker),
      async () => app?.close(),
      async () => lab?.stop(),
      async () => env?.cleanup(),
    ];
    const failures: unknown[] = [];
    for (const step of steps) await step().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }, 60_000);

  /** The router's ruleset collected as a collector does: iptables-save in the router namespace. */
  async function collectRouterRuleset(): Promise<ConfigSubmittedDto> {
    const saved = await lab?.exec('router', ['iptables-save']);
    if (saved?.code !== 0) throw new Error(`iptables-save failed (exit ${saved?.code}): ${saved?.stderr}`);
    const res = await api
      .http()
      .post(`/api/v1/scopes/${scopeId}/config`)
      .set(api.auth)
      .send({
        kind: 'iptables-save',
        asset: router,
        collectedAt: new Date().toISOString(),
        content: saved.stdout,
      })
      .expect(200);
    return res.body as ConfigSubmittedDto;
  }

  async function firewallExposureFindings(status: string): Promise<FindingResponseDto[]> {
    const res = await api
      .http()
      .get('/api/v1/findings')
      .query({ scope: scopeId, status, limit: 500 })
      .set(api.auth)
      .expect(200);
    return (res.body as FindingListResponseDto).items.filter((f) =>
      FIREWALL_EXPOSURE_RULES.includes(f.ruleId),
    );
  }

  async function finding(id: string): Promise<FindingResponseDto> {
    return (await api.http().get(`/api/v1/findings/${id}`).set(api.auth).expect(200))
      .body as FindingResponseDto;
  }

  function withWorkerOutput(error: unknown): never {
    throw new Error(`${String(error)}\nworker output:\n${workerOutput}`);
  }

  it('stores the ruleset collected with iptables-save as the router document in force', async () => {
    const submitted = await collectRouterRuleset();
    expect(submitted.outcome).toBe('created');
    expect(submitted.document).toMatchObject({ asset: router, kind: 'iptables-save' });
  });

  it('flags tcp/23 reached though the ruleset drops it and tcp/443 allowed by it but filtered, not tcp/22', async () => {
    // The live firewall drifts from the document in force: corp may now reach telnet, not TLS.
    const corp = lab?.zones.corp.subnet ?? '';
    await lab?.firewall(`-I FORWARD -s ${corp} -d ${cde} -p tcp --dport 23 -j ACCEPT`.split(' '));
    await lab?.firewall(`-I FORWARD -s ${corp} -d ${cde} -p tcp --dport 443 -j DROP`.split(' '));

    scan = await api.scanToCompletion(scopeId, 120_000).catch(withWorkerOutput);
    const snapshot = (
      await api
        .http()
        .get(`/api/v1/snapshots/${scan.snapshotId ?? ''}`)
        .set(api.auth)
        .expect(200)
    ).body as SnapshotResponseDto;
    const host = snapshot.hosts.find((h) => h.addresses.some((a) => a.addr === cde));
    // What the scan observed through the changed firewall: the premise of both findings.
    expect(Object.fromEntries((host?.ports ?? []).map((p) => [p.port, p.state]))).toEqual({
      22: 'open',
      23: 'open',
      443: 'filtered',
    });

    // The scan completes in the transaction that applies its evaluation: the findings are there.
    const open = await firewallExposureFindings('open');
    expect(open.map((f) => ({ ruleId: f.ruleId, asset: f.asset, subject: f.subject, port: f.port }))).toEqual(
      expect.arrayContaining([
        { ruleId: BLOCKED_BUT_REACHED, asset: cde, subject: `tcp/23 via ${router}`, port: 23 },
        { ruleId: ALLOWED_BUT_UNREACHABLE, asset: cde, subject: `tcp/443 via ${router}`, port: 443 },
      ]),
    );
    // tcp/22 is allowed and answered: ruleset and observation agree, nothing to report.
    expect(open.filter((f) => f.port === 22)).toEqual([]);
    expect(open).toHaveLength(2);

    const [blocked, allowed] = [BLOCKED_BUT_REACHED, ALLOWED_BUT_UNREACHABLE].map((ruleId) =>
      open.find((f) => f.ruleId === ruleId),
    );
    reachedButBlocked = await finding(blocked?.id ?? '');
    allowedButUnreachable = await finding(allowed?.id ?? '');

    // Telnet is decided by the FORWARD policy: no rule of the collected ruleset accepts it.
    expect(reachedButBlocked.message).toContain(`ruleset of ${router} drops it`);
    expect(reachedButBlocked.message).toContain('FORWARD policy');
    // The evidence holds both sides: nmap's observation of the port and the ruleset's verdict.
    expect(reachedButBlocked.evidence.nmap).toContain('portid="23"><state state="open"');
    expect(reachedButBlocked.evidence.firewall).toMatchObject({
      firewall: router,
      hook: 'forward',
      vantage: 'corp',
      sources: corp,
      state: 'open',
      action: 'drop',
    });
    // TLS is accepted by the lab's corp -> cde rule; it names the router's interfaces, which
    // Driftwatch cannot place, so the verdict says it assumed them crossed.
    expect(allowedButUnreachable.message).toContain(`ruleset of ${router}`);
    expect(allowedButUnreachable.message).toMatch(/--dports 22,443 -j ACCEPT.*\(filtered\)/);
    expect(allowedButUnreachable.evidence.nmap).toContain('portid="443"><state state="filtered"');
    expect(allowedButUnreachable.evidence.firewall).toMatchObject({
      firewall: router,
      hook: 'forward',
      vantage: 'corp',
      state: 'filtered',
      action: 'accept',
      decidedBy: expect.stringContaining('--dports 22,443 -j ACCEPT') as unknown,
      assuming: expect.stringContaining('interfaces') as unknown,
    });
  }, 150_000);

  it('shows the two rules added since the last collection as drift, and resolves both findings when re-judged', async () => {
    if (!reachedButBlocked || !allowedButUnreachable)
      throw new Error('needs the findings the scan above opened');
    const submitted = await collectRouterRuleset();
    expect(submitted.outcome).toBe('changed');

    const res = await api.http().get(`/api/v1/scopes/${scopeId}/config/changes`).set(api.auth).expect(200);
    const [latest, ...older] = (res.body as ConfigChangeListResponseDto).items;
    expect(older).toEqual([]);
    expect(latest).toMatchObject({ asset: router, kind: 'iptables-save' });
    // Exactly the two inserted rules: the packet counters iptables-save prints are not drift.
    expect(latest?.changes).toHaveLength(2);
    expect(latest?.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'rule-added',
          path: 'filter/FORWARD',
          description: expect.stringMatching(/--dport 23 -j ACCEPT$/) as unknown,
        }),
        expect.objectContaining({
          type: 'rule-added',
          path: 'filter/FORWARD',
          description: expect.stringMatching(/--dport 443 -j DROP$/) as unknown,
        }),
      ]),
    );

    // The new document is judged with the scope's latest snapshot, without a new scan.
    const resolved = await waitFor(
      'both firewall-exposure findings to resolve',
      async () => {
        const both = await Promise.all([finding(reachedButBlocked.id), finding(allowedButUnreachable.id)]);
        return both.every((f) => f.status === 'resolved') ? both : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    ).catch(withWorkerOutput);
    for (const f of resolved) expect(f.resolvedSnapshotId).toBe(scan.snapshotId);
    expect(await firewallExposureFindings('open')).toEqual([]);
  }, 60_000);
});

async function stopWorker(worker: ChildProcess | undefined): Promise<void> {
  if (!worker || worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise<void>((done) => worker.once('exit', () => done()));
  worker.kill('SIGTERM');
  const timer = setTimeout(() => worker.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

import request from 'supertest';

import type { FindingResponseDto, ScanResponseDto } from '@driftwatch/application';
import { freePort } from '@driftwatch/test/private-redis';
import { waitFor } from '@driftwatch/test/services';
import { createTestEnvironment, type TestEnvironment } from '@driftwatch/test/test-app';

const DIST = resolve(__dirname, '../../dist/apps');

/** The nmap scans (not `nmap --version`) run by the process `parent`, by pid (Linux /proc). */
function nmapScans(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read around the last ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== parent || comm !== 'nmap') continue;
    const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    if (argv.includes('-iL')) pids.push(Number(entry));
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    // A zombie still answers signal 0; its state letter says it is dead.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The roles as a deployment runs them: api, worker and scheduler as separate processes from the
 * built entry points, sharing only PostgreSQL and Redis. A scan requested from the api is run by
 * the worker process and its findings come back through the api.
 */
describe('api, worker and scheduler as separate processes', () => {
  let env: TestEnvironment;
  let port: number;
  let processEnv: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];
  const output: Record<string, string> = {};
  let scanning: { api: string; auth: { Authorization: string } } | undefined;

  function start(role: 'api' | 'worker' | 'scheduler'): void {
    const child = spawn(process.execPath, [`${DIST}/${role}/main.js`], {
      env: processEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    output[role] = '';
    child.stdout.on('data', (d: Buffer) => (output[role] += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output[role] += d.toString()));
    children.push(child);
  }

  beforeAll(async () => {
    for (const role of ['api', 'worker', 'scheduler', 'cli']) {
      if (!existsSync(`${DIST}/${role}/main.js`))
        throw new Error(`dist/apps/${role}/main.js is missing: run npm run build`);
    }
    env = await createTestEnvironment();
    port = await freePort();
    processEnv = {
      PATH: process.env.PATH,
      DATABASE_URL: env.db.url,
      REDIS_URL: env.config.redis.url,
      REDIS_PREFIX: env.redisPrefix,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NMAP_PATH: '/usr/bin/nmap',
    };
    start('api');
    start('worker');
    start('scheduler');
  });

  afterAll(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((done) => {
            if (c.exitCode !== null || c.signalCode !== null) return done();
            c.once('exit', () => done());
            c.kill('SIGTERM');
          }),
      ),
    );
    await env?.cleanup();
  });

  it('scans through the worker process and serves the findings from the api process', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`${DIST}/cli/main.js`, 'api-keys', 'create', '--name', 'split', '--role', 'analyst', '--json'],
      { env: processEnv },
    );
    const auth = { Authorization: `Bearer ${(JSON.parse(stdout) as { secret: string }).secret}` };
    const api = `http://127.0.0.1:${port}`;
    await waitFor('the api to answer', async () => (await request(api).get('/health')).status === 200, {
      timeoutMs: 30_000,
    });

    // The target is the api process's own port: open, plain HTTP, not approved.
    const scope = await request(api)
      .post('/api/v1/scopes')
      .set(auth)
      .send({ name: 'split-roles', targets: ['127.0.0.1'], ports: [port], approvedPorts: [] })
      .expect(201);
    const scopeId = (scope.body as { id: string }).id;
    const accepted = await request(api).post(`/api/v1/scopes/${scopeId}/scans`).set(auth).expect(202);
    const scanId = (accepted.body as { id: string }).id;
    await waitFor(
      'the worker process to complete the scan',
      async () => {
        const scan = (await request(api).get(`/api/v1/scans/${scanId}`).set(auth)).body as ScanResponseDto;
        if (scan.status === 'failed') throw new Error(`scan failed: ${scan.error}`);
        return scan.status === 'completed';
      },
      { timeoutMs: 90_000 },
    );
    const findings = await request(api)
      .get('/api/v1/findings')
      .query({ scope: scopeId })
      .set(auth)
      .expect(200);
    const rules = (findings.body as { items: FindingResponseDto[] }).items.map(
      (f) => `${f.ruleId} ${f.subject}`,
    );
    // Only the unapproved port: the api hides X-Powered-By (helmet), the one header by which
    // nmap's service probes name an Express server, so nmap no longer calls the port http.
    expect(rules).toEqual(expect.arrayContaining([`pci-dss-v4.1.2.5-open-port-not-approved tcp/${port}`]));
    for (const [role, child] of [
      ['api', children[0]],
      ['worker', children[1]],
      ['scheduler', children[2]],
    ] as const) {
      expect({
        role,
        exitCode: child?.exitCode,
        output: child?.exitCode === null ? '' : output[role],
      }).toEqual({
        role,
        exitCode: null,
        output: '',
      });
    }
    scanning = { api, auth };
  });

  // Killed by SIGKILL (the OOM killer, a container's stop timeout), a worker has no chance to stop
  // its nmap: without the parent-death signal nmap scans on, orphaned, while the job is retried.
  it('takes its nmap with it when the worker process is killed with SIGKILL mid-scan', async () => {
    if (!scanning) throw new Error('needs the scope of the test before');
    const { api, auth } = scanning;
    const worker = children[1];
    if (worker?.pid === undefined) throw new Error('no worker process');
    // A listener that never speaks keeps nmap's service detection waiting for seconds.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    try {
      const silentPort = (silent.address() as AddressInfo).port;
      const scope = await request(api)
        .post('/api/v1/scopes')
        .set(auth)
        .send({ name: 'worker-killed', targets: ['127.0.0.1'], ports: [silentPort] })
        .expect(201);
      await request(api)
        .post(`/api/v1/scopes/${(scope.body as { id: string }).id}/scans`)
        .set(auth)
        .expect(202);
      const nmap = await waitFor(
        'the worker to start nmap',
        () => Promise.resolve(nmapScans(worker.pid as number)[0]),
        { timeoutMs: 30_000, intervalMs: 50 },
      );

      worker.kill('SIGKILL');
      await new Promise<void>((done) =>
        worker.signalCode !== null ? done() : worker.once('exit', () => done()),
      );
      await waitFor('nmap to die with its worker', () => Promise.resolve(!isAlive(nmap)), {
        timeoutMs: 5_000,
      });
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((done) => silent.close(() => done()));
    }
  });
});

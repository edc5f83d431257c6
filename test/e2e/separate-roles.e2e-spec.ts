import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

import request from 'supertest';

import type { FindingResponseDto, ScanResponseDto } from '@driftwatch/application';
import { freePort } from '@driftwatch/test/private-redis';
import { waitFor } from '@driftwatch/test/services';
import { createTestEnvironment, type TestEnvironment } from '@driftwatch/test/test-app';

const DIST = resolve(__dirname, '../../dist/apps');

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
            if (c.exitCode !== null) return done();
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
  });
});

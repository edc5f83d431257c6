import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { INestApplication } from '@nestjs/common';

import { ApiKeyService } from '@driftwatch/application';
import type { GateResult } from '@driftwatch/core';
import { scopeWithSnapshot } from '@driftwatch/test/api-client';
import { type CliOutcome, requireBuiltCli, runCli, runCliWithStdout } from '@driftwatch/test/cli';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import { freePort } from '@driftwatch/test/private-redis';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  TEST_ACTOR,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

const BIN = resolve(__dirname, '../../bin/driftwatch.js');
const POLICY = resolve(__dirname, '../../policies/pci-dss-v4');
const HOST = '192.0.2.5';
const UNKNOWN_SCOPE = '00000000-0000-4000-8000-000000000000';

/**
 * `driftwatch gate` as a CI pipeline runs it: the built CLI against a live API (or offline on a
 * file). The exit code is the contract: 0 only on a pass, 1 on a fail, 2 on any error, so an
 * unreachable API or a revoked key can never let a deploy through.
 */
describe('driftwatch gate (built CLI against a live API)', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let base: string;
  let ciKey: string;
  let passing: string;
  let failing: string;
  let dir: string;

  // A fresh scan (the gate fails a stale snapshot), one host in the documentation range.
  const xml = (ports: [number, string][]) =>
    openPortsXml([{ addr: HOST, ports }], Math.floor(Date.now() / 1000) - 60);

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'dw-gate-'));
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    base = `http://127.0.0.1:${(httpServer(app).address() as AddressInfo).port}`;
    const keys = await keysForRoles(app, ['analyst', 'scanner', 'ci']);
    ciKey = keys.ci;
    // HTTPS on an approved port: no finding at all; telnet, unapproved: high, naming 2.2.7.
    passing = await scopeWithSnapshot(
      app,
      keys,
      { name: 'gate-cli-pass', targets: ['192.0.2.0/28'], ports: [443], approvedPorts: [443] },
      xml([[443, 'https']]),
    );
    failing = await scopeWithSnapshot(
      app,
      keys,
      { name: 'gate-cli-fail', targets: ['192.0.2.0/28'], ports: [23], approvedPorts: [] },
      xml([[23, 'telnet']]),
    );
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The CLI as a pipeline starts it: argument array, no shell, no Driftwatch environment. */
  const gate = (...args: string[]): Promise<CliOutcome> => runCli(['gate', ...args]);

  /** The installed package's `driftwatch` binary (bin/driftwatch.js) instead of the built CLI. */
  const gateViaBin = (...args: string[]): Promise<CliOutcome> => runCli(['gate', ...args], { entry: BIN });

  const online = (scope: string, ...args: string[]) =>
    gate('--api', base, '--token', ciKey, '--scope', scope, ...args);

  function write(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('exits 0 on a passing scope, with the token read from a file', async () => {
    const tokenFile = write('token', `${ciKey}\n`);
    const result = await gate('--api', base, '--token-file', tokenFile, '--scope', passing);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^PASS {2}gate-cli-pass/);
  });

  it('exits 1 on a failing scope, naming 2.2.7 and the telnet port in the text summary', async () => {
    const result = await online(failing, '--fail-on', 'high');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL {2}gate-cli-fail/);
    expect(result.stdout).toMatch(/HIGH +\[[^\]]*2\.2\.7[^\]]*\] 192\.0\.2\.5 tcp\/23/);
  });

  it('exits 0 on the failing scope when --fail-on is above every finding', async () => {
    expect((await online(failing, '--fail-on', 'critical')).code).toBe(0);
  });

  it('exits 1 for a dry-run candidate: nmap XML with telnet, or an sshd letting root log in', async () => {
    const staging = write('staging.xml', xml([[23, 'telnet']]));
    const network = await online(passing, '--candidate', staging, '--format', 'json');
    expect(network.code).toBe(1);
    expect(JSON.parse(network.stdout)).toMatchObject({ verdict: 'fail', dryRun: true });

    const sshd = write('sshd', 'port 22\npermitrootlogin yes\npasswordauthentication no\n');
    const config = await online(passing, '--candidate', `sshd-config:${HOST}:${sshd}`);
    expect(config.code).toBe(1);
    expect(config.stdout).toContain('pci-dss-v4.2.2.7-sshd-root-login');
  });

  it('writes every format that parses as its kind', async () => {
    const json = await online(failing, '--format', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ verdict: 'fail', scope: { id: failing } });

    const sarif = await online(failing, '--format', 'sarif');
    expect(sarif.code).toBe(1);
    const log = JSON.parse(sarif.stdout) as { version: string; runs: { results: unknown[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]?.results.length).toBeGreaterThan(0);

    const junit = await online(failing, '--format', 'junit');
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(/^<\?xml[^>]*\?>\s*<testsuites/);
    expect(junit.stdout).toContain('<failure');

    const markdown = await online(failing, '--format', 'markdown');
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toContain('❌ Driftwatch gate failed');
  });

  it('writes the report to --output and only a verdict line to stderr', async () => {
    const file = join(dir, 'gate.sarif');
    const result = await online(failing, '--format', 'sarif', '--output', file);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^driftwatch: gate FAILED for gate-cli-fail: \d+ blocking finding/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: '2.1.0' });
  });

  it('exits 2 when the API is unreachable, and writes no --output', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const file = join(dir, 'unreachable.json');
    const result = await gate(...['--api', closed, '--token', ciKey, '--scope', passing, '--output', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`driftwatch: gate: cannot reach the API at ${closed}`);
    expect(existsSync(file)).toBe(false);
  });

  it('removes the report an earlier run left at --output when it exits 2, so no stale verdict is uploaded', async () => {
    const file = join(dir, 'stale.sarif');
    const closed = `http://127.0.0.1:${await freePort()}`;
    const offlineArgs = ['--nmap-xml', write('stale.xml', xml([[443, 'https']])), '--policy', POLICY];
    for (const args of [
      ['--api', closed, '--token', ciKey, '--scope', passing],
      [...offlineArgs, '--fail-on', 'severe'],
      [...offlineArgs, '--bogus'],
      ['--nmap-xml', join(dir, 'no-such-scan.xml'), '--policy', POLICY],
    ]) {
      writeFileSync(file, '{"version":"2.1.0","runs":[]}\n');
      const result = await gate(...args, '--format', 'sarif', '--output', file);
      expect(result.code).toBe(2);
      expect(existsSync(file)).toBe(false);
    }
    // A run that answers replaces it whole, and leaves nothing beside it.
    writeFileSync(file, 'stale\n');
    const pass = await gate(...offlineArgs, '--approved-ports', '443', '--format', 'sarif', '--output', file);
    expect(pass.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: '2.1.0' });
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('exits 2 when the API does not answer within --timeout', async () => {
    // Accepts the connection and never answers, as a hung proxy would.
    const silent: Server = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const result = await gate('--api', url, '--token', ciKey, '--scope', passing, '--timeout', '1');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('did not answer within 1 s');
      // A fraction is rounded up to whole milliseconds: timers take no fraction of one.
      for (const [timeout, shown] of [
        ['1.0005', '1.001'],
        ['0.0001', '0.001'],
      ]) {
        const fractional = await gate(
          '--api',
          url,
          '--token',
          ciKey,
          '--scope',
          passing,
          '--timeout',
          timeout,
        );
        expect(fractional.code).toBe(2);
        expect(fractional.stderr).toContain(`did not answer within ${shown} s`);
      }
    } finally {
      silent.close();
    }
  });

  it('exits 2 for a revoked key and for an unknown one, saying the token was refused', async () => {
    const keys = app.get(ApiKeyService);
    const revoked = await keys.create({ name: 'revoked-ci', role: 'ci' }, TEST_ACTOR);
    await keys.revoke(revoked.id, TEST_ACTOR);
    for (const token of [revoked.secret, 'dw_not-a-key']) {
      const result = await gate('--api', base, '--token', token, '--scope', failing);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('the API refused the token (invalid, expired or revoked)');
    }
  });

  it('exits 2 for an unknown scope', async () => {
    const result = await online(UNKNOWN_SCOPE);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`unknown scope ${UNKNOWN_SCOPE}`);
  });

  it('exits 2 naming --api, not the scope, when --api is not the base URL', async () => {
    const result = await gate('--api', `${base}/docs`, '--token', ciKey, '--scope', passing);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the API has no such route: --api must be its base URL');
    expect(result.stderr).not.toContain('unknown scope');
  });

  it.each([
    ['a bad --fail-on', ['--fail-on', 'severe'], '--fail-on must be one of'],
    ['--api with --nmap-xml', ['--nmap-xml', 'scan.xml'], 'give exactly one of --api'],
    ['a candidate of no known kind', ['--candidate', `nope:${HOST}:x`], '"nope" names no configuration kind'],
    ['a bad --format', ['--format', 'pdf'], '--format must be one of'],
    ['a --timeout in exponent notation', ['--timeout', '1e1'], '--timeout must be a number of seconds'],
    ['a --timeout above an hour', ['--timeout', '3600.5'], '--timeout must be a number of seconds'],
  ])('exits 2 with a usage error for %s', async (_name, args, message) => {
    const result = await online(passing, ...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('judges offline: telnet fails naming 2.2.7 (exit 1), an approved HTTPS port passes (exit 0)', async () => {
    const telnet = await gate('--nmap-xml', write('telnet.xml', xml([[23, 'telnet']])), '--policy', POLICY);
    expect(telnet.code).toBe(1);
    expect(telnet.stdout).toMatch(/^FAIL {2}telnet\.xml \(offline\)/);
    expect(telnet.stdout).toMatch(/HIGH +\[[^\]]*2\.2\.7[^\]]*\] 192\.0\.2\.5 tcp\/23/);

    const clean = write('clean.xml', xml([[443, 'https']]));
    const result = await gate('--nmap-xml', clean, '--policy', POLICY, '--approved-ports', '443');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^PASS /);
  });

  it('keeps its verdict as exit code, without a stack trace, when the reader of stdout has left', async () => {
    const clean = write('epipe-pass.xml', xml([[443, 'https']]));
    const telnet = write('epipe-fail.xml', xml([[23, 'telnet']]));
    const pass = ['--approved-ports', '443', '--format', 'sarif'];
    for (const [file, extra, code] of [
      [clean, pass, 0],
      [telnet, ['--format', 'sarif'], 1],
    ] as const) {
      const result = await runCliWithStdout(
        ['gate', '--nmap-xml', file, '--policy', POLICY, ...extra],
        'closed',
      );
      expect(result).toEqual({ code, signal: null, stderr: '' });
    }
  });

  it('exits 2 with a message when stdout cannot be written (a full disk), never 0 on a pass', async () => {
    const clean = write('enospc.xml', xml([[443, 'https']]));
    const full = openSync('/dev/full', 'w');
    try {
      const result = await runCliWithStdout(
        ['gate', '--nmap-xml', clean, '--policy', POLICY, '--approved-ports', '443'],
        full,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'driftwatch: cannot write to stdout: ENOSPC: no space left on device, write\n',
      );
    } finally {
      closeSync(full);
    }
  });

  it('exits 2 offline for --approved-ports that are not decimal port numbers, naming the value', async () => {
    const clean = write('ports.xml', xml([[443, 'https']]));
    for (const [ports, bad] of [
      ['0x46B5,1e1,18101.0', '0x46B5'],
      ['443,1e1', '1e1'],
      ['18101.0', '18101.0'],
      ['0', '0'],
    ]) {
      const result = await gate('--nmap-xml', clean, '--policy', POLICY, '--approved-ports', ports);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain(`gate: --approved-ports: ${JSON.stringify(bad)} is not a port number`);
    }
  });

  it('answers the same through the installed `driftwatch` binary', async () => {
    const telnet = write('bin-telnet.xml', xml([[23, 'telnet']]));
    const viaBin = await gateViaBin('--nmap-xml', telnet, '--policy', POLICY, '--format', 'json');
    const viaCli = await gate('--nmap-xml', telnet, '--policy', POLICY, '--format', 'json');
    expect(viaBin.code).toBe(1);
    const verdict = (out: string) => {
      const { verdict: v, counts, blocking } = JSON.parse(out) as GateResult;
      return { v, counts, blocking };
    };
    expect(verdict(viaBin.stdout)).toEqual(verdict(viaCli.stdout));
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await gateViaBin('--api', nobody, '--token', 'x', '--scope', UNKNOWN_SCOPE);
    expect(unreachable.code).toBe(2);
  });
});

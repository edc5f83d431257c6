import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DriftwatchError, ErrorCode, type Target } from '@driftwatch/core';
import {
  NmapNotFoundError,
  NmapRunner,
  nmapVersion,
  PARENT_DEATH_LAUNCHER,
  parentDeathLauncher,
  type NmapScanOptions,
  type NmapSpawn,
} from '@driftwatch/nmap';

// Real nmap against 127.0.0.1 only, and only ports this file opened (or just closed).
const NMAP = '/usr/bin/nmap';
const LOCALHOST: Target = { kind: 'ipv4', value: '127.0.0.1' };
const BANNER = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n';

interface Listener {
  port: number;
  close: () => Promise<void>;
}

async function openBannerListener(banner: string | null = BANNER): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (banner !== null) socket.write(banner);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

/** A port that was listening a moment ago and is now closed. */
async function closedPort(): Promise<number> {
  const listener = await openBannerListener();
  await listener.close();
  return listener.port;
}

function scanOptions(ports: number[], patch: Partial<NmapScanOptions> = {}): NmapScanOptions {
  return {
    ports: [...ports].sort((a, b) => a - b).map((p) => ({ from: p, to: p })),
    technique: 'syn',
    serviceDetection: false,
    reverseDns: false,
    skipHostDiscovery: true,
    hostTimeoutSeconds: 60,
    timing: 4,
    ...patch,
  };
}

/** Real spawn, counted, so a test can prove no process was started. */
function countingSpawn(): { spawn: NmapSpawn; count: () => number } {
  let calls = 0;
  return {
    spawn: (command, args, options) => {
      calls += 1;
      return spawn(command, args, options);
    },
    count: () => calls,
  };
}

describe('NmapRunner with the real nmap binary', () => {
  jest.setTimeout(60_000);
  let listener: Listener;
  let closed: number;

  beforeAll(async () => {
    listener = await openBannerListener();
    closed = await closedPort();
  });
  afterAll(async () => {
    await listener.close();
  });

  it('reports the nmap version', async () => {
    expect(await nmapVersion(NMAP)).toMatch(/^\d+\.\d+/);
  });

  it('sees an open listener as open and a just-closed port as closed (SYN scan, targets over stdin)', async () => {
    const runner = new NmapRunner({ binary: NMAP });
    const result = await runner.run([LOCALHOST], scanOptions([listener.port, closed]), { timeoutMs: 30_000 });

    expect(result.exitCode).toBe(0);
    expect(result.observation.run.exit).toBe('success');
    expect(result.observation.run.args).toContain('-iL -');
    expect(result.observation.run.args).not.toContain('127.0.0.1');
    expect(result.observation.hosts).toHaveLength(1);
    const host = result.observation.hosts[0];
    expect(host?.status).toBe('up');
    expect(host?.addresses).toContainEqual({ addr: '127.0.0.1', type: 'ipv4' });
    const states = Object.fromEntries((host?.ports ?? []).map((p) => [p.port, p.state]));
    expect(states).toEqual({ [listener.port]: 'open', [closed]: 'closed' });
  });

  it('gives the same states with a connect scan', async () => {
    const runner = new NmapRunner({ binary: NMAP });
    const result = await runner.run(
      [LOCALHOST],
      scanOptions([listener.port, closed], { technique: 'connect' }),
    );
    const states = Object.fromEntries(
      (result.observation.hosts[0]?.ports ?? []).map((p) => [p.port, p.state]),
    );
    expect(states).toEqual({ [listener.port]: 'open', [closed]: 'closed' });
  });

  it('identifies the banner with service detection (-sV)', async () => {
    const runner = new NmapRunner({ binary: NMAP });
    const result = await runner.run([LOCALHOST], scanOptions([listener.port], { serviceDetection: true }), {
      timeoutMs: 50_000,
    });
    const port = result.observation.hosts[0]?.ports[0];
    expect(port?.state).toBe('open');
    expect(port?.service).toMatchObject({ name: 'ssh', product: 'OpenSSH', method: 'probed' });
    expect(port?.service?.version).toContain('9.2p1');
  });

  it('stops a real scan on abort and reports it as aborted', async () => {
    // A listener that never speaks keeps -sV probing for seconds: long enough to abort mid-run.
    const silent = await openBannerListener(null);
    try {
      const controller = new AbortController();
      const runner = new NmapRunner({ binary: NMAP, killGraceMs: 2000 });
      const started = Date.now();
      setTimeout(() => controller.abort(), 300);
      const error = await runner
        .run([LOCALHOST], scanOptions([silent.port], { serviceDetection: true }), {
          signal: controller.signal,
        })
        .then(
          () => new Error('scan finished before the abort'),
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(DriftwatchError);
      expect((error as DriftwatchError).code).toBe(ErrorCode.ScanFailed);
      expect((error as DriftwatchError).details).toMatchObject({ aborted: true });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await silent.close();
    }
  });

  it('refuses injected targets without starting any process and without writing files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'driftwatch-nmap-'));
    const evidence = path.join(dir, 'injected.txt');
    try {
      const { spawn: counted, count } = countingSpawn();
      const runner = new NmapRunner({ binary: NMAP, spawn: counted });
      for (const value of [
        `127.0.0.1 -oN ${evidence}`,
        '127.0.0.1 --script=evil.nse',
        '127.0.0.1;id',
        `-oN ${evidence}`,
      ]) {
        const error = await runner.run([{ kind: 'hostname', value }], scanOptions([listener.port])).then(
          () => new Error('accepted'),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DriftwatchError);
        expect((error as DriftwatchError).code).toBe(ErrorCode.ValidationFailed);
        expect((error as DriftwatchError).message).toContain(JSON.stringify(value));
      }
      expect(count()).toBe(0);
      expect(existsSync(evidence)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing binary as NmapNotFoundError', async () => {
    const runner = new NmapRunner({ binary: '/nonexistent/driftwatch/nmap' });
    await expect(runner.run([LOCALHOST], scanOptions([listener.port]))).rejects.toBeInstanceOf(
      NmapNotFoundError,
    );
  });

  it('finds setpriv able to set the parent-death signal on this Linux, and nothing to use elsewhere', async () => {
    expect(await parentDeathLauncher()).toEqual(PARENT_DEATH_LAUNCHER);
    expect(await parentDeathLauncher('darwin')).toBeNull();
  });

  it('scans through the parent-death launcher, which execs nmap in its own place', async () => {
    const pids: number[] = [];
    const runner = new NmapRunner({
      binary: NMAP,
      launcher: PARENT_DEATH_LAUNCHER,
      spawn: (command, args, options) => {
        expect([command, ...args.slice(0, PARENT_DEATH_LAUNCHER.length)]).toEqual([
          ...PARENT_DEATH_LAUNCHER,
          NMAP,
        ]);
        const child = spawn(command, args, options);
        if (child.pid !== undefined) pids.push(child.pid);
        return child;
      },
    });
    const result = await runner.run([LOCALHOST], scanOptions([listener.port, closed]), { timeoutMs: 30_000 });
    const states = Object.fromEntries(
      (result.observation.hosts[0]?.ports ?? []).map((p) => [p.port, p.state]),
    );
    expect(states).toEqual({ [listener.port]: 'open', [closed]: 'closed' });
    // nmap's own XML names the command it ran as: setpriv exec'd it in place.
    expect(result.observation.run.args?.startsWith(`${NMAP} `)).toBe(true);
    expect(pids).toHaveLength(1);
  });

  it('reports a missing binary behind the launcher as NmapNotFoundError, not as a failed scan', async () => {
    const runner = new NmapRunner({
      binary: '/nonexistent/driftwatch/nmap',
      launcher: PARENT_DEATH_LAUNCHER,
    });
    const error = await runner.run([LOCALHOST], scanOptions([listener.port])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NmapNotFoundError);
    expect((error as Error).message).toContain('/nonexistent/driftwatch/nmap');
  });

  it('refuses a launcher that is not a list of non-empty strings', () => {
    expect(() => new NmapRunner({ binary: NMAP, launcher: ['setpriv', ''] })).toThrow(/launcher/);
  });
});

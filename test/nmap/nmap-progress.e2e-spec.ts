import { spawn, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { DriftwatchError, ErrorCode, type NetworkObservation, type Target } from '@driftwatch/core';
import {
  NmapRunner,
  type NmapProgress,
  type NmapScanOptions,
  type NmapSpawn,
  type NmapSpawnOptions,
} from '@driftwatch/nmap';

// Real nmap against 127.0.0.1 only, and only ports this file opened.
const NMAP = '/usr/bin/nmap';
const LOCALHOST: Target = { kind: 'ipv4', value: '127.0.0.1' };
const BANNER = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n';

interface Listener {
  port: number;
  close: () => Promise<void>;
}

/**
 * Accepts and stays silent for `delaySeconds`, then sends an SSH banner. nmap's service scan
 * waits for it (its NULL probe waits 6 s), so each port finishes at its own time: a scan of
 * several such ports takes a few seconds and its progress climbs step by step.
 */
async function openSlowBanner(delaySeconds: number): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const timer = setTimeout(() => socket.write(BANNER), delaySeconds * 1000);
    socket.on('close', () => {
      clearTimeout(timer);
      sockets.delete(socket);
    });
    socket.on('error', () => undefined);
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

function scanOptions(listeners: readonly Listener[], patch: Partial<NmapScanOptions> = {}): NmapScanOptions {
  return {
    ports: listeners
      .map((l) => l.port)
      .sort((a, b) => a - b)
      .map((p) => ({ from: p, to: p })),
    technique: 'connect',
    serviceDetection: true,
    reverseDns: false,
    skipHostDiscovery: true,
    hostTimeoutSeconds: 60,
    timing: 4,
    ...patch,
  };
}

/** The real spawn, recording what it started. */
function recordingSpawn(): {
  spawn: NmapSpawn;
  started: { args: readonly string[]; options: NmapSpawnOptions; child: ChildProcess }[];
} {
  const started: { args: readonly string[]; options: NmapSpawnOptions; child: ChildProcess }[] = [];
  return {
    started,
    spawn: (command, args, options) => {
      const child = spawn(command, args, options);
      started.push({ args, options, child });
      return child;
    },
  };
}

/** What may differ between two scans of the same ports: when they ran, and the argument string. */
function withoutTimes(observation: NetworkObservation): unknown {
  const { args: _args, startedAt: _s, finishedAt: _f, summary: _m, ...run } = observation.run;
  return {
    run,
    hosts: observation.hosts.map(({ startTime: _a, endTime: _b, ...host }) => host),
  };
}

function processGone(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('NmapRunner progress with the real nmap binary', () => {
  jest.setTimeout(30_000);

  it('reports rising progress while nmap runs, and parses the same result as a run without it', async () => {
    const listeners = await Promise.all([1, 2, 3, 4].map(openSlowBanner));
    try {
      const { spawn: recording, started } = recordingSpawn();
      const runner = new NmapRunner({ binary: NMAP, spawn: recording });
      const options = scanOptions(listeners);
      const reports: NmapProgress[] = [];
      let progressSettledAt = 0;

      const t0 = Date.now();
      const [plain, observed] = await Promise.all([
        runner.run([LOCALHOST], options, { timeoutMs: 25_000 }),
        runner
          .run(
            [LOCALHOST],
            { ...options, statsEverySeconds: 1 },
            { timeoutMs: 25_000, onProgress: (p) => reports.push(p) },
          )
          .then((result) => {
            progressSettledAt = Date.now();
            return result;
          }),
      ]);

      // Progress arrived during the run, not all at the end: nmap flushes each <taskprogress>.
      expect(reports.length).toBeGreaterThanOrEqual(2);
      const first = reports[0];
      expect(first?.at.getTime()).toBeLessThan(progressSettledAt - 1000);
      expect(first?.at.getTime()).toBeGreaterThan(t0);
      const service = reports.filter((r) => r.task === 'Service scan');
      const percents = service.map((r) => r.percent);
      expect(new Set(service.map((r) => r.step)).size).toBe(1);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(new Set(percents).size).toBeGreaterThanOrEqual(2);
      expect(Math.max(...percents)).toBeGreaterThan(Math.min(...percents));
      for (const r of reports) {
        expect(r.percent).toBeGreaterThanOrEqual(0);
        expect(r.percent).toBeLessThanOrEqual(100);
        if (r.etaSeconds !== undefined) expect(r.etaSeconds).toBeGreaterThanOrEqual(0);
      }

      // The same observation as today's run: only the argument string and the times differ.
      expect(observed.exitCode).toBe(0);
      expect(observed.observation.run.exit).toBe('success');
      expect(withoutTimes(observed.observation)).toEqual(withoutTimes(plain.observation));
      expect(observed.observation.run.args).toBe(
        plain.observation.run.args?.replace('--noninteractive', '--stats-every 1s'),
      );
      expect(observed.warnings).toEqual(plain.warnings);
      const ports = observed.observation.hosts[0]?.ports ?? [];
      expect(ports.map((p) => [p.state, p.service?.name])).toEqual(listeners.map(() => ['open', 'ssh']));

      // Output goes to stdout only (no files to leave behind); the progress run has no terminal.
      for (const { args } of started) {
        expect(args.filter((a) => /^-o/.test(a))).toEqual(['-oX']);
        expect(args[args.indexOf('-oX') + 1]).toBe('-');
      }
      expect(started.map((s) => s.options.detached ?? false).sort()).toEqual([false, true]);
      expect(started.every((s) => s.child.exitCode === 0)).toBe(true);
    } finally {
      await Promise.all(listeners.map((l) => l.close()));
    }
  });

  it('stops a run on abort once progress has arrived: nmap is gone and nothing is reported after', async () => {
    const listeners = await Promise.all([1, 20, 20].map(openSlowBanner));
    try {
      const { spawn: recording, started } = recordingSpawn();
      const runner = new NmapRunner({ binary: NMAP, spawn: recording, killGraceMs: 2000 });
      const controller = new AbortController();
      const reports: NmapProgress[] = [];
      let abortedAt = 0;

      const t0 = Date.now();
      const error = await runner
        .run([LOCALHOST], scanOptions(listeners, { statsEverySeconds: 1 }), {
          signal: controller.signal,
          onProgress: (p) => {
            reports.push(p);
            if (!abortedAt) {
              abortedAt = Date.now();
              controller.abort();
            }
          },
        })
        .then(
          () => new Error('scan finished before the abort'),
          (e: unknown) => e,
        );

      expect(error).toBeInstanceOf(DriftwatchError);
      expect((error as DriftwatchError).code).toBe(ErrorCode.ScanFailed);
      expect((error as DriftwatchError).details).toMatchObject({ aborted: true });
      expect(reports).toHaveLength(1);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(processGone(started[0]?.child.pid)).toBe(true);
      // Nothing arrives later either (no timer left behind).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(reports).toHaveLength(1);
    } finally {
      await Promise.all(listeners.map((l) => l.close()));
    }
  });
});

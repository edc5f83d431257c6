import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { DriftwatchError, ErrorCode, type Target } from '@driftwatch/core';
import type { NmapScanOptions } from './nmap-arguments';
import type { NmapProgress } from './nmap-progress';
import { NmapNotFoundError, NmapRunner, type NmapChildProcess, type NmapSpawn } from './nmap.runner';

const options: NmapScanOptions = {
  ports: [{ from: 22, to: 22 }],
  technique: 'connect',
  serviceDetection: false,
  reverseDns: false,
  skipHostDiscovery: true,
  hostTimeoutSeconds: 30,
  timing: 4,
};

const SUCCESS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap" start="1700000000" version="7.93">
<host><status state="up" reason="user-set"/><address addr="127.0.0.1" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/></port></ports></host>
<runstats><finished time="1700000001" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
`;

/** A stand-in for nmap: records what it was given and plays back scripted output. */
class FakeChild extends EventEmitter {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: string[] = [];
  stdinText = '';
  /** What the fake does on a signal; default: die of it. */
  onSignal: (signal: NodeJS.Signals) => void = (signal) => this.exit(null, signal);

  constructor() {
    super();
    this.stdin.setEncoding('utf8');
    this.stdin.on('data', (chunk: string) => (this.stdinText += chunk));
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    this.onSignal(signal);
    return true;
  }

  finish(stdout: string, code: number, stderr = ''): void {
    this.stderr.end(stderr);
    this.stdout.end(stdout);
    this.exit(code, null);
  }

  exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    if (!this.stdout.writableEnded) this.stdout.end();
    if (!this.stderr.writableEnded) this.stderr.end();
    setImmediate(() => this.emit('close', code, signal));
  }
}

function fakeSpawn(script: (child: FakeChild) => void = () => undefined) {
  const calls: { command: string; args: readonly string[]; options: unknown; child: FakeChild }[] = [];
  const spawn: NmapSpawn = (command, args, spawnOptions) => {
    const child = new FakeChild();
    calls.push({ command, args, options: spawnOptions, child });
    setImmediate(() => script(child));
    return child as unknown as NmapChildProcess;
  };
  return { spawn, calls };
}

const t = (value: string, kind: Target['kind'] = 'ipv4'): Target => ({ kind, value });

async function rejection(promise: Promise<unknown>): Promise<DriftwatchError> {
  try {
    await promise;
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(DriftwatchError);
    return error as DriftwatchError;
  }
  throw new Error('expected a rejection');
}

describe('NmapRunner', () => {
  describe('target injection is refused before any process is spawned', () => {
    it.each([
      '127.0.0.1 --script=evil.nse',
      '127.0.0.1 -oN file',
      '127.0.0.1;id',
      '-oN out.txt',
      '--script=x',
      '127.0.0.1\n--script=x',
      '$(id)',
      '',
    ])('refuses target %j with ValidationFailed naming it, and spawns nothing', async (value) => {
      const { spawn, calls } = fakeSpawn();
      const runner = new NmapRunner({ binary: '/usr/bin/nmap', spawn });
      const error = await rejection(runner.run([t('127.0.0.1'), t(value, 'hostname')], options));
      expect(error.code).toBe(ErrorCode.ValidationFailed);
      expect(error.message).toContain('targets[1]');
      expect(error.message).toContain(JSON.stringify(value));
      expect(calls).toHaveLength(0);
    });

    it('refuses a non-Target entry and an empty target list without spawning', async () => {
      const { spawn, calls } = fakeSpawn();
      const runner = new NmapRunner({ binary: '/usr/bin/nmap', spawn });
      expect((await rejection(runner.run([null as unknown as Target], options))).code).toBe(
        ErrorCode.ValidationFailed,
      );
      expect((await rejection(runner.run([], options))).code).toBe(ErrorCode.ValidationFailed);
      expect(calls).toHaveLength(0);
    });

    it('refuses IPv4 and IPv6 targets in one run (nmap would silently skip one family)', async () => {
      const { spawn, calls } = fakeSpawn();
      const runner = new NmapRunner({ binary: '/usr/bin/nmap', spawn });
      const error = await rejection(runner.run([t('127.0.0.1'), t('::1', 'ipv6')], options));
      expect(error.code).toBe(ErrorCode.ValidationFailed);
      expect(calls).toHaveLength(0);
    });
  });

  it('spawns without a shell, passes only fixed arguments and writes normalised targets to stdin', async () => {
    const { spawn, calls } = fakeSpawn((child) => child.finish(SUCCESS_XML, 0));
    const runner = new NmapRunner({ binary: '/usr/bin/nmap', spawn });
    const result = await runner.run(
      [t('127.0.0.1'), t('WEB.Example.test.', 'hostname'), t('10.0.0.7/16', 'cidr4')],
      options,
    );

    expect(calls).toHaveLength(1);
    const call = calls[0];
    expect(call?.command).toBe('/usr/bin/nmap');
    expect(call?.options).toEqual({ shell: false, stdio: ['pipe', 'pipe', 'pipe'] });
    expect(call?.args).toEqual(expect.arrayContaining(['-iL', '-', '-oX', '--noninteractive', '-sT']));
    expect(call?.args.join(' ')).not.toMatch(/127\.0\.0\.1|example|10\.0\./);
    expect(call?.child.stdinText).toBe('127.0.0.1\nweb.example.test\n10.0.0.0/16\n');
    expect(result.exitCode).toBe(0);
    expect(result.observation.hosts[0]?.ports[0]).toMatchObject({ port: 22, state: 'open' });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('adds -6 for an IPv6-only run', async () => {
    const { spawn, calls } = fakeSpawn((child) => child.finish(SUCCESS_XML, 0));
    await new NmapRunner({ binary: 'nmap', spawn }).run([t('::1', 'ipv6')], options);
    expect(calls[0]?.args).toContain('-6');
  });

  it('keeps stderr lines as warnings and still succeeds when the run succeeded', async () => {
    const { spawn } = fakeSpawn((child) =>
      child.finish(SUCCESS_XML, 0, 'Warning: 1 retransmission\r\n\nRTTVAR has grown\n'),
    );
    const result = await new NmapRunner({ binary: 'nmap', spawn }).run([t('127.0.0.1')], options);
    expect(result.warnings).toEqual(['Warning: 1 retransmission', 'RTTVAR has grown']);
    expect(result.observation.hosts).toHaveLength(1);
  });

  it('warns about targets nmap skipped', async () => {
    const xml = SUCCESS_XML.replace(
      '<host>',
      '<target specification="nosuch.test" status="skipped" reason="invalid"/><host>',
    );
    const { spawn } = fakeSpawn((child) => child.finish(xml, 0, 'Failed to resolve "nosuch.test".\n'));
    const result = await new NmapRunner({ binary: 'nmap', spawn }).run(
      [t('nosuch.test', 'hostname')],
      options,
    );
    expect(result.warnings).toEqual([
      'Failed to resolve "nosuch.test".',
      'nmap skipped target nosuch.test (invalid)',
    ]);
  });

  it('fails with ScanFailed carrying stderr and exit code when nmap exits non-zero', async () => {
    const { spawn } = fakeSpawn((child) =>
      child.finish('', 1, 'You requested a scan type which requires root privileges.\nQUITTING!\n'),
    );
    const error = await rejection(new NmapRunner({ binary: 'nmap', spawn }).run([t('127.0.0.1')], options));
    expect(error.code).toBe(ErrorCode.ScanFailed);
    expect(error.message).toContain('requires root privileges');
    expect(error.message).toContain('code 1');
    expect(error.details).toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining('QUITTING!') as unknown,
    });
  });

  it("fails when exit code is 0 but nmap's runstats did not report success, quoting errormsg", async () => {
    const xml = SUCCESS_XML.replace('exit="success"', 'exit="error" errormsg="pcap_open_live failed"');
    const { spawn } = fakeSpawn((child) => child.finish(xml, 0));
    const error = await rejection(new NmapRunner({ binary: 'nmap', spawn }).run([t('127.0.0.1')], options));
    expect(error.code).toBe(ErrorCode.ScanFailed);
    expect(error.message).toContain('pcap_open_live failed');
  });

  it('fails when exit code is 0 but the XML is truncated, with the parse error as cause', async () => {
    const { spawn } = fakeSpawn((child) => child.finish(SUCCESS_XML.slice(0, 200), 0));
    const error = await rejection(new NmapRunner({ binary: 'nmap', spawn }).run([t('127.0.0.1')], options));
    expect(error.code).toBe(ErrorCode.ScanFailed);
    expect(error.message).toMatch(/truncated/);
    expect((error.cause as DriftwatchError).code).toBe(ErrorCode.NmapOutputInvalid);
  });

  it('kills nmap when its output is invalid instead of reading on', async () => {
    let child: FakeChild | undefined;
    const { spawn } = fakeSpawn((c) => {
      child = c;
      c.stdout.write('<html>not nmap</html>');
    });
    const error = await rejection(new NmapRunner({ binary: 'nmap', spawn }).run([t('127.0.0.1')], options));
    expect(error.code).toBe(ErrorCode.ScanFailed);
    expect(child?.signals).toEqual(['SIGTERM']);
  });

  it('kills nmap on abort with SIGTERM, then SIGKILL after the grace period', async () => {
    const controller = new AbortController();
    let child: FakeChild | undefined;
    const { spawn } = fakeSpawn((c) => {
      child = c;
      c.onSignal = (signal) => {
        if (signal === 'SIGKILL') c.exit(null, 'SIGKILL');
      };
      controller.abort();
    });
    const runner = new NmapRunner({ binary: 'nmap', spawn, killGraceMs: 20 });
    const error = await rejection(runner.run([t('127.0.0.1')], options, { signal: controller.signal }));
    expect(error.code).toBe(ErrorCode.ScanFailed);
    expect(error.details).toMatchObject({ aborted: true, signal: 'SIGKILL' });
    expect(child?.signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('does not spawn when the signal is already aborted', async () => {
    const { spawn, calls } = fakeSpawn();
    const controller = new AbortController();
    controller.abort();
    const runner = new NmapRunner({ binary: 'nmap', spawn });
    const error = await rejection(runner.run([t('127.0.0.1')], options, { signal: controller.signal }));
    expect(error.details).toMatchObject({ aborted: true });
    expect(calls).toHaveLength(0);
  });

  it('kills nmap when the hard timeout passes', async () => {
    let child: FakeChild | undefined;
    const { spawn } = fakeSpawn((c) => (child = c));
    const runner = new NmapRunner({ binary: 'nmap', spawn, killGraceMs: 1000 });
    const error = await rejection(runner.run([t('127.0.0.1')], options, { timeoutMs: 30 }));
    expect(error.code).toBe(ErrorCode.ScanFailed);
    expect(error.message).toContain('timed out after 30 ms');
    expect(child?.signals).toEqual(['SIGTERM']);
  });

  it('reports a binary that cannot be started as NmapNotFoundError, without crashing on stdin EPIPE', async () => {
    const { spawn } = fakeSpawn((child) => {
      child.stdin.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      child.emit('error', Object.assign(new Error('spawn /nope/nmap ENOENT'), { code: 'ENOENT' }));
      child.exit(-2, null);
    });
    const error = await rejection(
      new NmapRunner({ binary: '/nope/nmap', spawn }).run([t('127.0.0.1')], options),
    );
    expect(error).toBeInstanceOf(NmapNotFoundError);
    expect(error.code).toBe(ErrorCode.DependencyUnavailable);
    expect(error.message).toContain('/nope/nmap');
  });

  describe('progress', () => {
    const cut = SUCCESS_XML.indexOf('<host>');
    const HEAD = SUCCESS_XML.slice(0, cut);
    const TAIL = SUCCESS_XML.slice(cut);
    const progress = (percent: string, remaining: string) =>
      `<taskprogress task="Connect Scan" time="1700000000" percent="${percent}" remaining="${remaining}" etc="1700000100"/>\n`;
    const tick = () => new Promise((resolve) => setImmediate(resolve));

    it('reports <taskprogress> while nmap runs, before it has finished', async () => {
      const reports: NmapProgress[] = [];
      const finished: boolean[] = [];
      let done = false;
      const { spawn } = fakeSpawn((child) => {
        void (async () => {
          child.stdout.write(HEAD + progress('10.00', '90'));
          await tick();
          child.stdout.write(progress('55.50', '40'));
          await tick();
          done = true;
          child.finish(TAIL, 0);
        })();
      });
      const runner = new NmapRunner({ binary: 'nmap', spawn, progressIntervalMs: 0 });
      const result = await runner.run([t('127.0.0.1')], options, {
        onProgress: (p) => {
          reports.push(p);
          finished.push(done);
        },
      });
      expect(reports.map((r) => [r.task, r.step, r.percent, r.etaSeconds])).toEqual([
        ['Connect Scan', 1, 10, 90],
        ['Connect Scan', 1, 55.5, 40],
      ]);
      expect(reports[0]?.at).toBeInstanceOf(Date);
      expect(finished).toEqual([false, false]);
      expect(result.observation.hosts).toHaveLength(1);
    });

    it('parses the same observation with or without a progress listener', async () => {
      const xml = HEAD + progress('10.00', '90') + progress('55.50', '40') + TAIL;
      const run = (withProgress: boolean) => {
        const { spawn } = fakeSpawn((child) => child.finish(xml, 0));
        return new NmapRunner({ binary: 'nmap', spawn }).run(
          [t('127.0.0.1')],
          options,
          withProgress ? { onProgress: () => undefined } : {},
        );
      };
      const [plain, observed] = await Promise.all([run(false), run(true)]);
      expect(observed.observation).toEqual(plain.observation);
      expect(observed.warnings).toEqual(plain.warnings);
    });

    it('asks nmap for --stats-every (default 5s) instead of --noninteractive, in a session of its own', async () => {
      const { spawn, calls } = fakeSpawn((child) => child.finish(SUCCESS_XML, 0));
      const runner = new NmapRunner({ binary: 'nmap', spawn });
      await runner.run([t('127.0.0.1')], options, { onProgress: () => undefined });
      await runner.run(
        [t('127.0.0.1')],
        { ...options, statsEverySeconds: 2 },
        { onProgress: () => undefined },
      );
      await runner.run([t('127.0.0.1')], options);

      const [defaulted, chosen, plain] = calls;
      expect(defaulted?.args).toEqual(expect.arrayContaining(['--stats-every', '5s']));
      expect(defaulted?.args).not.toContain('--noninteractive');
      expect(defaulted?.options).toEqual({ shell: false, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      expect(chosen?.args).toEqual(expect.arrayContaining(['--stats-every', '2s']));
      expect(chosen?.options).toMatchObject({ detached: true });
      // Without a listener the run is exactly what it was before progress existed.
      expect(plain?.args).toContain('--noninteractive');
      expect(plain?.args).not.toContain('--stats-every');
      expect(plain?.options).toEqual({ shell: false, stdio: ['pipe', 'pipe', 'pipe'] });
    });

    it('refuses a listener that is not a function, an invalid interval and progressIntervalMs, spawning nothing', async () => {
      const { spawn, calls } = fakeSpawn();
      const runner = new NmapRunner({ binary: 'nmap', spawn });
      const bad = { onProgress: 'console.log' as unknown as (p: NmapProgress) => void };
      expect((await rejection(runner.run([t('127.0.0.1')], options, bad))).message).toContain('onProgress');
      const error = await rejection(
        runner.run([t('127.0.0.1')], { ...options, statsEverySeconds: 0 }, { onProgress: () => undefined }),
      );
      expect(error.message).toContain('statsEverySeconds');
      expect(calls).toHaveLength(0);
      expect(() => new NmapRunner({ binary: 'nmap', spawn, progressIntervalMs: -1 })).toThrow(
        DriftwatchError,
      );
      expect(() => new NmapRunner({ binary: 'nmap', spawn, progressIntervalMs: 0.5 })).toThrow(
        DriftwatchError,
      );
    });

    it('reports nothing once the run is being stopped, nor after run() has settled', async () => {
      const controller = new AbortController();
      const reports: number[] = [];
      let child: FakeChild | undefined;
      const { spawn } = fakeSpawn((c) => {
        child = c;
        c.onSignal = () => undefined; // dies only when told below
        void (async () => {
          c.stdout.write(HEAD + progress('10.00', '90'));
          await tick();
          controller.abort();
          c.stdout.write(progress('20.00', '80'));
          await tick();
          c.exit(null, 'SIGTERM');
        })();
      });
      const runner = new NmapRunner({ binary: 'nmap', spawn, progressIntervalMs: 0 });
      const error = await rejection(
        runner.run([t('127.0.0.1')], options, {
          signal: controller.signal,
          onProgress: (p) => reports.push(p.percent),
        }),
      );
      expect(error.details).toMatchObject({ aborted: true });
      expect(child?.signals).toEqual(['SIGTERM']);
      expect(reports).toEqual([10]);
    });

    it('drops a report held back by the throttle when the run ends', async () => {
      const reports: number[] = [];
      const { spawn } = fakeSpawn((child) =>
        child.finish(HEAD + progress('10.00', '90') + progress('20.00', '80') + TAIL, 0),
      );
      const runner = new NmapRunner({ binary: 'nmap', spawn, progressIntervalMs: 60_000 });
      await runner.run([t('127.0.0.1')], options, { onProgress: (p) => reports.push(p.percent) });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(reports).toEqual([10]);
    });

    it('keeps a throwing listener as one warning and still succeeds', async () => {
      const { spawn } = fakeSpawn((child) =>
        child.finish(HEAD + progress('10.00', '90') + progress('20.00', '80') + TAIL, 0),
      );
      const runner = new NmapRunner({ binary: 'nmap', spawn, progressIntervalMs: 0 });
      const result = await runner.run([t('127.0.0.1')], options, {
        onProgress: () => {
          throw new Error('database is down');
        },
      });
      expect(result.exitCode).toBe(0);
      expect(result.warnings).toEqual(['progress listener failed: database is down']);
    });

    it('ignores odd <taskprogress> elements without failing the run', async () => {
      const odd =
        '<taskprogress task="" percent="5"/>\n<taskprogress task="NSE" percent="lots"/>\n<taskprogress/>\n';
      const reports: NmapProgress[] = [];
      const { spawn } = fakeSpawn((child) => child.finish(HEAD + odd + TAIL, 0));
      const runner = new NmapRunner({ binary: 'nmap', spawn, progressIntervalMs: 0 });
      const result = await runner.run([t('127.0.0.1')], options, { onProgress: (p) => reports.push(p) });
      expect(reports).toEqual([]);
      expect(result.observation.hosts).toHaveLength(1);
    });
  });

  it('installs no process-wide signal or exception handlers', async () => {
    const events = [
      'SIGINT',
      'SIGTERM',
      'SIGHUP',
      'exit',
      'uncaughtException',
      'unhandledRejection',
    ] as const;
    const before = events.map((e) => process.listenerCount(e));
    const { spawn } = fakeSpawn((child) => child.finish(SUCCESS_XML, 0));
    await new NmapRunner({ binary: 'nmap', spawn }).run([t('127.0.0.1')], options);
    expect(events.map((e) => process.listenerCount(e))).toEqual(before);
  });
});

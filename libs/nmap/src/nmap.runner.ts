import { spawn as nodeSpawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import {
  DriftwatchError,
  errorChain,
  ErrorCode,
  parseTarget,
  type NetworkObservation,
  type Target,
} from '@driftwatch/core';
import {
  buildNmapArguments,
  DEFAULT_STATS_EVERY_SECONDS,
  nmapIsInteractive,
  type NmapAddressFamily,
  type NmapScanOptions,
} from './nmap-arguments';
import {
  DEFAULT_PROGRESS_INTERVAL_MS,
  NmapProgressTracker,
  type NmapProgressListener,
} from './nmap-progress';
import { LAUNCHER_EXEC_FAILED } from './nmap-launcher';
import { DEFAULT_MAX_NMAP_XML_BYTES, parseNmapXmlDetailed, type NmapXmlParseResult } from './nmap-xml.parser';

export interface NmapRunResult {
  observation: NetworkObservation;
  warnings: string[];
  exitCode: number;
  durationMs: number;
}

export interface NmapRunControl {
  signal?: AbortSignal;
  /** Hard limit for the whole run; the child is killed when it passes. */
  timeoutMs?: number;
  /**
   * Called with nmap's progress while it runs (never after run() has settled, nor once the run
   * is being stopped). Without options.statsEverySeconds nmap is asked every
   * DEFAULT_STATS_EVERY_SECONDS. What the listener throws is kept as a warning, nothing more.
   */
  onProgress?: NmapProgressListener;
}

export type NmapChildProcess = ChildProcessByStdio<Writable, Readable, Readable>;
/** The one way the runner starts a process; injectable so tests can prove nothing was spawned. */
export type NmapSpawn = (
  command: string,
  args: readonly string[],
  options: NmapSpawnOptions,
) => NmapChildProcess;

/**
 * `detached` (a new session, so no controlling terminal) is set exactly when nmap runs without
 * --noninteractive, i.e. when it reports progress: see nmapIsInteractive.
 */
export interface NmapSpawnOptions {
  shell: false;
  stdio: ['pipe', 'pipe', 'pipe'];
  detached?: true;
}

export interface NmapRunnerOptions {
  binary: string;
  /** Time between SIGTERM and SIGKILL when a run is aborted or times out (default 5000). */
  killGraceMs?: number;
  /** Largest XML output accepted before the run is killed (default 256 MiB). */
  maxOutputBytes?: number;
  /** Least time between two progress reports of the same nmap task (default 1000). */
  progressIntervalMs?: number;
  /**
   * A command that execs its arguments, put before nmap (see PARENT_DEATH_LAUNCHER); the child
   * keeps nmap's pid, so stopping it stops nmap.
   */
  launcher?: readonly string[];
  spawn?: NmapSpawn;
}

/** The nmap binary could not be started (missing, not executable). */
export class NmapNotFoundError extends DriftwatchError {
  constructor(binary: string, cause: unknown) {
    super(
      ErrorCode.DependencyUnavailable,
      `nmap could not be started from "${binary}": ${errorChain(cause)}`,
      { binary },
      { cause },
    );
    this.name = 'NmapNotFoundError';
  }
}

// stderr is kept for the operator, but a chatty or hostile run must not grow memory without bound.
const MAX_WARNINGS = 1000;
const MAX_WARNING_LENGTH = 2000;

type Ending =
  | { kind: 'exit' }
  | { kind: 'aborted' }
  | { kind: 'timeout'; ms: number }
  | { kind: 'spawn-error'; error: unknown };

/**
 * Runs nmap safely: targets are re-validated and passed over stdin, argv is fixed, output is
 * parsed as it streams, and success needs both exit code 0 and nmap's own "success" verdict.
 * Installs no process-wide handlers; each run cleans up its own listeners and timers.
 */
export class NmapRunner {
  private readonly binary: string;
  private readonly killGraceMs: number;
  private readonly maxOutputBytes: number;
  private readonly progressIntervalMs: number;
  private readonly launcher: readonly string[];
  private readonly spawn: NmapSpawn;

  constructor(options: NmapRunnerOptions) {
    if (typeof options.binary !== 'string' || options.binary.length === 0) {
      throw DriftwatchError.validation([{ field: 'binary', reason: 'must be a non-empty path' }]);
    }
    const killGraceMs = options.killGraceMs ?? 5000;
    if (!Number.isInteger(killGraceMs) || killGraceMs < 0) {
      throw DriftwatchError.validation([{ field: 'killGraceMs', reason: 'must be a non-negative integer' }]);
    }
    const progressIntervalMs = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    if (!Number.isInteger(progressIntervalMs) || progressIntervalMs < 0) {
      throw DriftwatchError.validation([
        { field: 'progressIntervalMs', reason: 'must be a non-negative integer' },
      ]);
    }
    const launcher = options.launcher ?? [];
    if (!Array.isArray(launcher) || launcher.some((part) => typeof part !== 'string' || part.length === 0)) {
      throw DriftwatchError.validation([
        { field: 'launcher', reason: 'must be a list of non-empty strings' },
      ]);
    }
    this.binary = options.binary;
    this.launcher = launcher;
    this.killGraceMs = killGraceMs;
    this.progressIntervalMs = progressIntervalMs;
    this.maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_NMAP_XML_BYTES;
    this.spawn = options.spawn ?? ((command, args, spawnOptions) => nodeSpawn(command, args, spawnOptions));
  }

  async run(
    targets: readonly Target[],
    options: NmapScanOptions,
    control: NmapRunControl = {},
  ): Promise<NmapRunResult> {
    const { values, family } = validateTargets(targets);
    const { onProgress } = control;
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw DriftwatchError.validation([{ field: 'onProgress', reason: 'must be a function' }]);
    }
    const args = buildNmapArguments(withStatsInterval(options, onProgress !== undefined), family);
    const timeoutMs = control.timeoutMs;
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) {
      throw DriftwatchError.validation([{ field: 'timeoutMs', reason: 'must be a positive integer' }]);
    }
    if (control.signal?.aborted)
      throw new DriftwatchError(ErrorCode.ScanFailed, 'nmap scan aborted before it started', {
        aborted: true,
      });

    const started = Date.now();
    const spawnOptions: NmapSpawnOptions = { shell: false, stdio: ['pipe', 'pipe', 'pipe'] };
    // Without --noninteractive nmap would take over a terminal whose foreground process group it
    // is in (raw mode, reading keys): in its own session it has no terminal to take.
    if (nmapIsInteractive(args)) spawnOptions.detached = true;
    const [command, ...argv] = [...this.launcher, this.binary, ...args] as [string, ...string[]];
    const child = this.spawn(command, argv, spawnOptions);
    const warnings: string[] = [];
    let listenerFailed = false;
    const tracker =
      onProgress === undefined
        ? undefined
        : new NmapProgressTracker({
            onProgress,
            minIntervalMs: this.progressIntervalMs,
            onListenerError: (error) => {
              if (!listenerFailed) warnings.push(`progress listener failed: ${errorChain(error)}`);
              listenerFailed = true;
            },
          });
    let ending: Ending | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (why?: Ending) => {
      // A run being stopped reports no more progress.
      tracker?.close();
      if (why) ending ??= why;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), this.killGraceMs);
    };
    const onAbort = () => kill({ kind: 'aborted' });
    control.signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => kill({ kind: 'timeout', ms: timeoutMs }), timeoutMs);

    try {
      const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child.once('error', (error) => {
          // Spawn failures (ENOENT, EACCES) arrive here; 'close' may or may not follow.
          ending ??= { kind: 'spawn-error', error };
          resolve({ code: null, signal: null });
        });
        child.once('close', (code, signal) => resolve({ code, signal }));
      });
      collectLines(child.stderr, warnings);
      // nmap may exit (e.g. on a bad option) before reading stdin; EPIPE here is not a crash.
      child.stdin.on('error', () => undefined);
      child.stdin.end(values.map((v) => `${v}\n`).join(''));

      const parsed: Promise<NmapXmlParseResult | { error: unknown }> = parseNmapXmlDetailed(child.stdout, {
        maxBytes: this.maxOutputBytes,
        ...(tracker && {
          onTaskProgress: (attributes) => tracker.taskProgress(attributes),
          onHostEnd: () => tracker.hostEnd(),
        }),
      }).catch((error: unknown) => {
        // Output we cannot trust: stop nmap rather than let it block on a full pipe.
        kill();
        return { error };
      });
      const [exit, result] = await Promise.all([closed, parsed]);
      return this.settle(ending ?? { kind: 'exit' }, exit, result, warnings, Date.now() - started);
    } finally {
      tracker?.close();
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      control.signal?.removeEventListener('abort', onAbort);
    }
  }

  private settle(
    end: Ending,
    exit: { code: number | null; signal: NodeJS.Signals | null },
    result: NmapXmlParseResult | { error: unknown },
    warnings: string[],
    durationMs: number,
  ): NmapRunResult {
    const stderr = warnings.join('\n');
    const details = { exitCode: exit.code, signal: exit.signal, stderr };
    switch (end.kind) {
      case 'spawn-error':
        throw new NmapNotFoundError(this.binary, end.error);
      case 'aborted':
        throw new DriftwatchError(ErrorCode.ScanFailed, 'nmap scan aborted', { ...details, aborted: true });
      case 'timeout':
        throw new DriftwatchError(ErrorCode.ScanFailed, `nmap scan timed out after ${end.ms} ms`, {
          ...details,
          timedOut: true,
        });
      case 'exit':
        break;
    }
    // Through a launcher, a missing or unrunnable nmap is the launcher's exec failing.
    if (this.launcher.length > 0 && launcherCouldNotExec(exit.code, stderr)) {
      throw new NmapNotFoundError(this.binary, new Error(stderr));
    }
    const parseError = 'error' in result ? result.error : undefined;
    const parsed = 'error' in result ? undefined : result;
    const observation = parsed?.observation;
    for (const t of parsed?.skippedTargets ?? []) {
      warnings.push(`nmap skipped target ${t.specification}${t.reason ? ` (${t.reason})` : ''}`);
    }
    if (exit.code === 0 && observation?.run.exit === 'success')
      return { observation, warnings, exitCode: 0, durationMs };

    const reasons: string[] = [];
    if (exit.code !== 0)
      reasons.push(exit.signal ? `nmap was killed by ${exit.signal}` : `nmap exited with code ${exit.code}`);
    if (observation?.run.errorMessage) reasons.push(`nmap reported: ${observation.run.errorMessage}`);
    else if (observation && observation.run.exit !== 'success')
      reasons.push('nmap did not report a successful finish');
    if (parseError !== undefined) reasons.push(errorChain(parseError));
    if (stderr) reasons.push(`stderr: ${stderr}`);
    throw new DriftwatchError(
      ErrorCode.ScanFailed,
      `nmap scan failed: ${reasons.join('; ')}`,
      { ...details, errorMessage: observation?.run.errorMessage },
      parseError === undefined ? undefined : { cause: parseError },
    );
  }
}

function launcherCouldNotExec(code: number | null, stderr: string): boolean {
  return (
    (LAUNCHER_EXEC_FAILED as readonly (number | null)[]).includes(code) && /failed to execute/.test(stderr)
  );
}

/** The options with nmap's --stats-every interval defaulted when progress is wanted without one. */
function withStatsInterval(options: NmapScanOptions, wantsProgress: boolean): NmapScanOptions {
  // Anything odd is passed on untouched, for buildNmapArguments to refuse.
  if (!wantsProgress || typeof options !== 'object' || options === null) return options;
  if (options.statsEverySeconds !== undefined) return options;
  return { ...options, statsEverySeconds: DEFAULT_STATS_EVERY_SECONDS };
}

/** Re-checks every target (callers may hand us anything) and picks the run's address family. */
function validateTargets(targets: readonly Target[]): { values: string[]; family: NmapAddressFamily } {
  if (!Array.isArray(targets) || targets.length === 0) {
    throw DriftwatchError.validation([{ field: 'targets', reason: 'must be a non-empty list' }]);
  }
  const values: string[] = [];
  let v4 = false;
  let v6 = false;
  targets.forEach((target: unknown, i) => {
    const value =
      typeof target === 'object' && target !== null ? (target as { value?: unknown }).value : undefined;
    const parsed = typeof value === 'string' ? parseTarget(value) : null;
    if (!parsed?.ok) {
      const reason = parsed ? parsed.reason : 'must be a Target with a string value';
      throw DriftwatchError.validation([
        { field: `targets[${i}]`, reason: `${JSON.stringify(value)} ${reason}` },
      ]);
    }
    values.push(parsed.target.value);
    v4 ||= parsed.target.kind === 'ipv4' || parsed.target.kind === 'cidr4';
    v6 ||= parsed.target.kind === 'ipv6' || parsed.target.kind === 'cidr6';
  });
  if (v4 && v6) {
    throw DriftwatchError.validation([
      {
        field: 'targets',
        reason: 'mixes IPv4 and IPv6 addresses; nmap scans one address family per run, so split them',
      },
    ]);
  }
  return { values, family: v6 ? 'ipv6' : 'ipv4' };
}

function collectLines(stream: Readable, into: string[]): void {
  let partial = '';
  const add = (line: string) => {
    const text = line.replace(/\r$/, '');
    if (text.trim() === '') return;
    if (into.length < MAX_WARNINGS) into.push(text.slice(0, MAX_WARNING_LENGTH));
    else if (into.length === MAX_WARNINGS) into.push('(further nmap stderr lines dropped)');
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (partial.length > MAX_WARNING_LENGTH) partial = partial.slice(0, MAX_WARNING_LENGTH);
    lines.forEach(add);
  });
  stream.on('end', () => add(partial));
  stream.on('error', () => undefined);
}

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The built CLI (`npm run build`), the file `driftwatch` and `npm run cli` start. */
export const BUILT_CLI = resolve(__dirname, '../../dist/apps/cli/main.js');

/** What a CLI run left: its exit code (the contract of every command) and both streams. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** The whole environment of the child: nothing of the test's own leaks in unless given. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Another entry point than the built CLI, e.g. the installed package's bin/driftwatch.js. */
  entry?: string;
}

/** Fails a suite early, saying how to build, when the built CLI is missing. */
export function requireBuiltCli(entry = BUILT_CLI): void {
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: npm test builds it; run \`npm run build\` first`);
}

/**
 * Runs the CLI as a user, pipeline or cron job starts it: node with an argument array, no shell,
 * and by default no environment but PATH. A non-zero exit is an outcome to assert, not a throw.
 */
export async function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliOutcome> {
  const { env = { PATH: process.env.PATH ?? '' }, cwd, entry = BUILT_CLI } = options;
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [entry, ...args], { env, cwd });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    // execFile rejects with a numeric code for a non-zero exit; anything else (a spawn failure,
    // a signal) is the test's problem, not an outcome.
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * Runs the CLI with its stdout going nowhere usable: `'closed'` is a pipe whose reader left
 * before the CLI wrote (as `| head -c1` once it has its byte), or an open file descriptor such
 * as /dev/full's. Resolves with the exit code (null when a signal ended it) and stderr.
 */
export function runCliWithStdout(
  args: readonly string[],
  stdout: 'closed' | number,
  options: CliRunOptions = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const { env = { PATH: process.env.PATH ?? '' }, cwd, entry = BUILT_CLI } = options;
  const child = spawn(process.execPath, [entry, ...args], {
    env,
    cwd,
    stdio: ['ignore', stdout === 'closed' ? 'pipe' : stdout, 'pipe'],
  });
  // The read end is closed at once: the CLI's first write to stdout meets EPIPE.
  if (stdout === 'closed') child.stdout?.destroy();
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

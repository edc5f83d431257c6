import { workerData } from 'node:worker_threads';

import { DriftwatchError, ErrorCode, errorChain } from '@driftwatch/core';

import { isScanCheck, serveScanCheck } from './commands/scan-check-thread';
import { API_KEYS_HELP, API_KEYS_USAGE, MIGRATE_HELP } from './commands/usage';
import { CliUsageError } from './cli-error';

// Each command's module is loaded when that command runs (or prints its help): `diff` and the
// worker thread it starts then skip the policy engine, the HTTP clients and their dependencies.
const commands = {
  audit: () => import('./commands/audit.command'),
  collect: () => import('./commands/collect.command'),
  diff: () => import('./commands/diff.command'),
  evaluate: () => import('./commands/evaluate.command'),
  gate: () => import('./commands/gate.command'),
  policy: () => import('./commands/policy.command'),
};

async function usage(): Promise<string> {
  const [audit, collect, diff, evaluate, gate, policy] = await Promise.all([
    commands.audit(),
    commands.collect(),
    commands.diff(),
    commands.evaluate(),
    commands.gate(),
    commands.policy(),
  ]);
  return `usage: driftwatch <command>

commands:
  migrate                      apply pending database migrations
  ${API_KEYS_USAGE.split('\n').join('\n  ')}
  ${diff.DIFF_USAGE}
                               what changed between two nmap XML files (exit 0 none, 1 some)
  ${policy.POLICY_USAGE.split('\n').join('\n  ')}
                               check rule files; run every rule's pass/fail fixtures (exit 0 ok, 1 problems)
  ${evaluate.EVALUATE_USAGE.split('\n').join('\n  ')}
                               judge an nmap XML file with no server (exit 1 at --fail-on, 2 on error)
  ${collect.COLLECT_USAGE.split('\n').join('\n  ')}
                               gather a configuration document (or a card-data scan) and push it to a scope
  ${gate.GATE_USAGE.split('\n').join('\n  ')}
                               may this deploy go? the API's verdict on a scope or a candidate, or an
                               nmap XML file judged offline (exit 0 pass, 1 fail, 2 error)
  ${audit.AUDIT_USAGE.split('\n').join('\n  ')}
                               recompute the audit trail through the API, against the head the last run
                               kept in --anchor-file (exit 0 intact, 1 broken, 2 error)

\`driftwatch <command> --help\` prints a command's options.
Configuration comes from the environment (DATABASE_URL, REDIS_URL, ...); see README.md.
diff, policy, evaluate, collect, gate and audit need none of it.`;
}

/** Each command's --help, printed before anything is parsed or configured (no database needed). */
const HELP: Record<string, (args: string[]) => Promise<string>> = {
  migrate: () => Promise.resolve(MIGRATE_HELP),
  'api-keys': () => Promise.resolve(API_KEYS_HELP),
  diff: async () => (await commands.diff()).DIFF_HELP,
  policy: async () => (await commands.policy()).POLICY_HELP,
  evaluate: async () => (await commands.evaluate()).EVALUATE_HELP,
  collect: async (args) => {
    const collect = await commands.collect();
    return args[0] === 'pan-scan' ? collect.PAN_SCAN_HELP : collect.COLLECT_HELP;
  },
  gate: async () => (await commands.gate()).GATE_HELP,
  audit: async () => (await commands.audit()).AUDIT_HELP,
};

/**
 * --help or -h anywhere before `--`. Such a token is never an option's value: parseArgs refuses
 * `--name -h` as ambiguous, and a value starting with a dash must be written `--name=-h`.
 */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * A failed write to stdout or stderr. EPIPE means the reader left (`| head`, a closed pager):
 * nothing more is written there, quietly, and the command keeps its own exit code, because that
 * code is its answer (gate's verdict, diff's "changed"), which does not depend on whether the
 * report was read; exiting as if by SIGPIPE would turn a gate's pass into a failure under
 * `set -o pipefail`. Any other error (a full disk, an I/O error) leaves output missing that
 * the caller counts on: a message where it can still go, and exit 2.
 */
let readerGone = false;
function onWriteError(stream: 'stdout' | 'stderr') {
  return (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') {
      if (stream === 'stdout') readerGone = true;
      return;
    }
    if (stream === 'stdout') process.stderr.write(`driftwatch: cannot write to stdout: ${error.message}\n`);
    process.exit(2);
  };
}
process.stdout.on('error', onWriteError('stdout'));
process.stderr.on('error', onWriteError('stderr'));

async function main(argv: string[]): Promise<number> {
  const out = (s: string) => {
    if (!readerGone) process.stdout.write(`${s}\n`);
  };
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(await usage());
    return command ? 0 : 2;
  }
  const help = Object.hasOwn(HELP, command) ? HELP[command] : undefined;
  if (help && wantsHelp(args)) {
    out(await help(args));
    return 0;
  }
  // diff reads two files only: no database, Redis or environment, so it runs before the config.
  if (command === 'diff') return (await commands.diff()).diffCommand(args, out, __filename);
  if (command === 'policy') return (await commands.policy()).policyCommand(args, out);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  // The CLI is the edge of the system: the one place the offline evaluation reads the clock.
  if (command === 'evaluate') return (await commands.evaluate()).evaluateCommand(args, out, new Date());
  if (command === 'collect') return (await commands.collect()).collectCommand(args, out, new Date());
  if (command === 'gate') return (await commands.gate()).gateCommand(args, out, err, new Date());
  if (command === 'audit') return (await commands.audit()).auditCommand(args, out, err);
  if (command !== 'migrate' && command !== 'api-keys')
    throw new CliUsageError(`unknown command ${JSON.stringify(command)}\n\n${await usage()}`);
  // Admin commands load Nest, TypeORM and the config only when used: `diff` starts faster without them.
  const [{ loadConfigFromEnvironment }, { prepareDatabase }, { apiKeysCommand }] = await Promise.all([
    import('@driftwatch/config'),
    import('@driftwatch/application'),
    import('./commands/api-keys.command'),
  ]);
  const config = loadConfigFromEnvironment({ LOG_LEVEL: 'warn' });
  if (command === 'migrate') {
    if (args.length > 0) throw new CliUsageError('migrate takes no arguments');
    const applied = await prepareDatabase(config.database, 1);
    out(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database schema is up to date');
    return 0;
  }
  await apiKeysCommand(args, config, out);
  return 0;
}

// The CLI is one script (a webpack bundle, whose __filename is that file): a worker thread it
// starts runs the same script, for the task its workerData names.
if (isScanCheck(workerData)) {
  void serveScanCheck(workerData);
} else {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const usage = error instanceof CliUsageError || (error instanceof TypeError && 'code' in error);
      const known = error instanceof DriftwatchError;
      process.stderr.write(`driftwatch: ${errorChain(error)}\n`);
      process.exitCode = usage || (known && error.code === ErrorCode.ValidationFailed) ? 2 : 1;
    },
  );
}

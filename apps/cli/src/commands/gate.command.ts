import { parseArgs } from 'node:util';

import {
  errorChain,
  GATE_MODES,
  type GateMode,
  type GateResult,
  SEVERITIES,
  type Severity,
} from '@driftwatch/core';

import { readToken, timeoutHelp, timeoutMilliseconds } from '@driftwatch/cli/api/api-request';
import { CliUsageError } from '@driftwatch/cli/cli-error';
import { readCandidates } from '@driftwatch/cli/gate/candidates';
import { apiBase, requestGate } from '@driftwatch/cli/gate/gate-client';
import { GATE_FORMATS, type GateFormat, renderGate, verdictLine } from '@driftwatch/cli/gate/gate-report';
import { offlineGate } from '@driftwatch/cli/gate/offline-gate';
import { removeStaleReport, writeReportFile } from '@driftwatch/cli/gate/report-file';

import { loadPolicy, parsePorts, readContext, readScan } from './offline-evaluation';

export const GATE_USAGE = `driftwatch gate --api URL (--token TOKEN | --token-file FILE) --scope ID
                [--fail-on ${SEVERITIES.join('|')}] [--mode ${GATE_MODES.join('|')}] [--timeout SECONDS]
                [--candidate FILE | --candidate KIND[@TAG]:ASSET:FILE]...
                [--format ${GATE_FORMATS.join('|')}] [--output FILE]
driftwatch gate --nmap-xml FILE --policy DIR [--context FILE] [--vantage ZONE] [--approved-ports 22,443]
                [--fail-on ${SEVERITIES.join('|')}] [--format ${GATE_FORMATS.join('|')}] [--output FILE]`;

const DEFAULT_TIMEOUT_SECONDS = 30;

export const GATE_HELP = `usage: ${GATE_USAGE}

May this deploy go? The API's verdict on a scope's stored state or on a candidate (a dry run that
stores nothing), or an nmap XML file judged offline with a policy folder.
Exit 0 pass, 1 fail, 2 error: an unreachable API or a refused token is never a pass.

asking the API:
  --api URL                 the API's base URL (a trailing /api/v1 is accepted)
  --token TOKEN             an API key that may ask for a verdict (ci, analyst, auditor, admin)
  --token-file FILE         read the key from FILE instead (pipelines keep secrets in files)
  --scope ID                the scope to judge
  --mode ${GATE_MODES.join('|')}            block on findings new since the baseline only, or on all (default all)
  --candidate FILE          judge this nmap XML instead of the stored scan (at most one)
  --candidate KIND[@TAG]:ASSET:FILE
                            judge this configuration document about to be applied (repeatable)
  --timeout SECONDS         ${timeoutHelp(DEFAULT_TIMEOUT_SECONDS, 28)}
judging a file offline:
  --nmap-xml FILE           the nmap XML file to judge
  --policy DIR              the policy folder (e.g. policies/pci-dss-v4)
  --context FILE            the policy context (YAML or JSON): zones, roles, inventory, flows
  --vantage ZONE            the zone the scan ran from (default "default")
  --approved-ports PORTS    ports with an approved business need: decimal numbers 1-65535, comma-separated
both:
  --fail-on SEVERITY        fail on a finding at or above ${SEVERITIES.join(', ')} (default high)
  --format FORMAT           ${GATE_FORMATS.join(', ')} (default text)
  --output FILE             write the report to FILE and only the verdict line to stderr; on an
                            error (exit 2) FILE is removed, so no earlier report is left
  -h, --help                print this help`;

const ONLINE_ONLY = ['token', 'token-file', 'scope', 'mode', 'timeout', 'candidate'] as const;
const OFFLINE_ONLY = ['policy', 'context', 'vantage', 'approved-ports'] as const;

type Values = ReturnType<typeof parse>['values'];

/**
 * `gate`: may this deploy go? Asks the API (a scope's state, or a candidate as a dry run) or judges
 * an nmap XML file offline, and prints the verdict in a CI format. Exit 0 only on a pass, 1 on a
 * fail, 2 on any error: a pipeline must never read an unreachable API or a bad token as a pass.
 */
export async function gateCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  now: Date,
): Promise<number> {
  let result: GateResult;
  let values: Values;
  // Found before the arguments are checked: even a usage error must remove an earlier report.
  const output = outputFile(args);
  try {
    values = parse(args).values;
    result = values.api !== undefined ? await online(values, values.api) : await offline(values, now);
    const format = values.format as GateFormat;
    const report = renderGate(result, format, values.api);
    if (values.output !== undefined) {
      writeReportFile(values.output, report.endsWith('\n') ? report : `${report}\n`);
      err(`driftwatch: ${verdictLine(result)}`);
    } else {
      out(report.replace(/\n$/, ''));
    }
  } catch (error: unknown) {
    // Usage messages already name the command; API and file errors do not.
    const message = errorChain(error);
    err(`driftwatch: ${message.startsWith('gate: ') ? message : `gate: ${message}`}`);
    const kept = output === undefined ? undefined : removeStaleReport(output);
    if (kept !== undefined) err(`driftwatch: gate: ${kept}`);
    return 2;
  }
  return result.verdict === 'pass' ? 0 : 1;
}

/** `--output`'s value, read leniently: the arguments may hold the error that ends this run. */
function outputFile(args: string[]): string | undefined {
  const { values } = parseArgs({ args, options: { output: { type: 'string' } }, strict: false });
  return typeof values.output === 'string' && values.output !== '' ? values.output : undefined;
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: {
      api: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      scope: { type: 'string' },
      'fail-on': { type: 'string', default: 'high' },
      mode: { type: 'string' },
      candidate: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      'nmap-xml': { type: 'string' },
      policy: { type: 'string' },
      context: { type: 'string' },
      vantage: { type: 'string' },
      'approved-ports': { type: 'string' },
      format: { type: 'string', default: 'text' },
      output: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) usage(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if ((values.api === undefined) === (values['nmap-xml'] === undefined))
    usage('give exactly one of --api (ask the API) and --nmap-xml (judge a file offline)');
  const mode = values.api !== undefined ? 'online' : 'offline';
  for (const name of values.api !== undefined ? OFFLINE_ONLY : ONLINE_ONLY)
    if (values[name] !== undefined)
      usage(`--${name} does not go with --${mode === 'online' ? 'api' : 'nmap-xml'}`);
  if (!SEVERITIES.includes(values['fail-on'] as Severity))
    usage(`--fail-on must be one of ${SEVERITIES.join(', ')}, not ${JSON.stringify(values['fail-on'])}`);
  if (values.mode !== undefined && !GATE_MODES.includes(values.mode as GateMode))
    usage(`--mode must be one of ${GATE_MODES.join(', ')}, not ${JSON.stringify(values.mode)}`);
  if (!GATE_FORMATS.includes(values.format as GateFormat))
    usage(`--format must be one of ${GATE_FORMATS.join(', ')}, not ${JSON.stringify(values.format)}`);
  return { values };
}

async function online(values: Values, api: string): Promise<GateResult> {
  const base = apiBase(api);
  if (values.scope === undefined || values.scope === '') usage('--api needs --scope ID');
  const token = readToken(values, usage, 'gate');
  const client = {
    base,
    token,
    timeoutMs: timeoutMilliseconds(values.timeout, DEFAULT_TIMEOUT_SECONDS, usage),
  };
  const failOn = values['fail-on'];
  const mode = values.mode ?? 'all';
  if (values.candidate === undefined)
    return requestGate(client, { kind: 'gate', scope: values.scope, failOn, mode });
  const candidate = readCandidates(values.candidate);
  return requestGate(client, {
    kind: 'dry-run',
    body: {
      scope: values.scope,
      failOn,
      mode,
      ...(candidate.nmapXml !== undefined ? { nmapXml: candidate.nmapXml } : {}),
      ...(candidate.documents.length > 0 ? { documents: candidate.documents } : {}),
    },
  });
}

async function offline(values: Values, now: Date): Promise<GateResult> {
  const xmlFile = values['nmap-xml'] as string;
  if (values.policy === undefined) usage('--nmap-xml needs --policy DIR');
  const policy = loadPolicy(values.policy);
  const context = values.context !== undefined ? readContext(values.context) : undefined;
  const scan = await readScan(xmlFile);
  return offlineGate({
    policy,
    scan,
    ...(context ? { context } : {}),
    vantage: values.vantage ?? 'default',
    approvedPorts: parsePorts(values['approved-ports'] ?? '', 'gate'),
    now,
    xmlFile,
    failOn: values['fail-on'] as Severity,
  });
}

function usage(reason: string): never {
  throw new CliUsageError(`gate: ${reason}\nusage: ${GATE_USAGE}`);
}

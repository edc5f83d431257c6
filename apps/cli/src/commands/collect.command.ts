import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import {
  builtInHandler,
  CONFIG_KINDS,
  CONFIG_TAGS,
  type ConfigKind,
  containsPanLike,
  PAN_SCAN_MAX_INTEGER,
  parseDocument,
} from '@driftwatch/config-state';

import { CliUsageError } from '@driftwatch/cli/cli-error';
import { utf8Document } from '@driftwatch/cli/text-file';
import { collectFromHost } from '@driftwatch/cli/collect/host-sources';
import { scanPathForPans } from '@driftwatch/cli/collect/pan-scan';
import { type ConfigSubmission, pushDocument, pushUrl } from '@driftwatch/cli/collect/push';
import { decimalInteger } from '@driftwatch/cli/numeric-option';

export const COLLECT_USAGE = `driftwatch collect --kind KIND (--file FILE | --from-host) --asset ASSET [--tag running|startup]
                   [--schema NAME] [--push URL --token TOKEN [--scope ID]]
driftwatch collect pan-scan --path DIR --asset ASSET [--max-file-size BYTES] [--exclude NAME]...
                   [--push URL --token TOKEN [--scope ID]]`;

const PUSH_HELP = `  --push URL                the API's base URL, or a scope's full .../api/v1/scopes/ID/config URL;
                            without --push the request body is printed and nothing is sent
  --token TOKEN             an API key that may push documents (scanner, ci or admin)
  --scope ID                the scope to push to (unless the --push URL names it)`;

export const COLLECT_HELP = `usage: ${COLLECT_USAGE}

Gathers a configuration document on this host (a file, or the documented command run for KIND),
checks it with the parser the API uses, and pushes it to a scope. \`collect pan-scan --help\`
describes the card-data scan.
Exit 0 accepted (or printed), 1 the API cannot be reached or refuses it, 2 usage or input error.

options:
  --kind KIND               ${CONFIG_KINDS.filter((k) => k !== 'pan-scan').join(', ')}
  --file FILE               read the document from FILE (at most 16 MiB)
  --from-host               run the documented command for KIND on this host instead
  --asset ASSET             the IP address or host id the document describes
  --tag running|startup     which configuration it is, for comparing the two
  --schema NAME             with --kind json: the registered schema it is checked against
${PUSH_HELP}
  -h, --help                print this help`;

export const PAN_SCAN_HELP = `usage: ${COLLECT_USAGE.split('\n').slice(2).join('\n')}

Scans the files under DIR for stored card numbers and pushes the report: counts, masked samples
(first six, last four) and line numbers per file; a full card number never leaves the host.
Exit 0 accepted (or printed), 1 the API cannot be reached or refuses it, 2 usage or input error.

options:
  --path DIR                the folder (or one file) to scan; symbolic links are not followed
  --asset ASSET             the IP address or host id the files are on
  --max-file-size BYTES     skip and report larger files: decimal digits (default 67108864, 64 MiB)
  --exclude NAME            leave out a name or glob (* and ? within a segment, ** across); repeatable
${PUSH_HELP}
  -h, --help                print this help`;

// Documents larger than the API accepts are refused here, before they are read whole.
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * `collect`: gathers a configuration document on this host (a file, or the documented command
 * run with an argument array), checks it with the same parser the API uses, and pushes it to a
 * scope (or prints the request body without --push). Exit 0 when accepted, 2 on a usage or input
 * error, 1 when the API cannot be reached or refuses it.
 */
export async function collectCommand(args: string[], out: (s: string) => void, now: Date): Promise<number> {
  if (args[0] === 'pan-scan') return panScanCommand(args.slice(1), out, now);
  const { values, positionals } = parseArgs({
    args,
    options: {
      kind: { type: 'string' },
      file: { type: 'string' },
      'from-host': { type: 'boolean', default: false },
      asset: { type: 'string' },
      tag: { type: 'string' },
      schema: { type: 'string' },
      push: { type: 'string' },
      token: { type: 'string' },
      scope: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) usage(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const kind = values.kind as ConfigKind | undefined;
  if (kind === undefined || !CONFIG_KINDS.includes(kind))
    usage(`--kind must be one of ${CONFIG_KINDS.join(', ')}`);
  if (kind === 'pan-scan') usage('pan-scan documents come from `collect pan-scan --path DIR`');
  if ((values.file === undefined) === !values['from-host'])
    usage('give exactly one of --file and --from-host');
  if (values.tag !== undefined && !(CONFIG_TAGS as readonly string[]).includes(values.tag))
    usage(`--tag must be running or startup, not ${JSON.stringify(values.tag)}`);
  if (kind === 'json' && values.schema === undefined)
    usage('--kind json needs --schema NAME (a registered schema)');
  const asset = requireAsset(values.asset);
  const target = pushTarget(values);

  const content = values.file !== undefined ? await readDocument(values.file) : await collectFromHost(kind);
  // The server parses it again; checking here first says what is wrong without a round trip.
  if (kind !== 'json') parseDocument(builtInHandler(kind), content);
  const submission: ConfigSubmission = {
    kind,
    asset,
    collectedAt: now.toISOString(),
    ...(values.tag !== undefined ? { tag: values.tag } : {}),
    ...(values.schema !== undefined ? { schema: values.schema } : {}),
    content,
  };
  return deliver(submission, target, out);
}

async function panScanCommand(args: string[], out: (s: string) => void, now: Date): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      path: { type: 'string' },
      asset: { type: 'string' },
      'max-file-size': { type: 'string' },
      exclude: { type: 'string', multiple: true },
      push: { type: 'string' },
      token: { type: 'string' },
      scope: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) usage(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.path === undefined) usage('pan-scan needs --path DIR');
  const asset = requireAsset(values.asset);
  const maxFileBytes =
    values['max-file-size'] === undefined
      ? undefined
      : decimalInteger(
          values['max-file-size'],
          'max-file-size',
          { min: 1, max: PAN_SCAN_MAX_INTEGER },
          usage,
        );
  const target = pushTarget(values);
  const report = await scanPathForPans(values.path, {
    ...(maxFileBytes !== undefined ? { maxFileBytes } : {}),
    ...(values.exclude ? { exclude: values.exclude } : {}),
  });
  const content = JSON.stringify(report);
  // The report holds counts and masked samples only; the same check the API makes proves it.
  parseDocument(builtInHandler('pan-scan'), content);
  return deliver({ kind: 'pan-scan', asset, collectedAt: now.toISOString(), content }, target, out);
}

async function deliver(
  submission: ConfigSubmission,
  target: { url: URL; token: string } | undefined,
  out: (s: string) => void,
): Promise<number> {
  if (!target) {
    out(JSON.stringify(submission, null, 2));
    return 0;
  }
  const answer = await pushDocument(target.url, target.token, submission);
  const document = answer['document'] as { id?: string; contentHash?: string } | undefined;
  const change = answer['change'] as { changes?: { description: string }[] } | null | undefined;
  out(
    `${String(answer['outcome'])}: ${submission.kind} of ${submission.asset} (document ${document?.id ?? '?'})`,
  );
  for (const c of change?.changes ?? []) out(`  ${c.description}`);
  return 0;
}

function pushTarget(values: {
  push?: string;
  token?: string;
  scope?: string;
}): { url: URL; token: string } | undefined {
  if (values.push === undefined) {
    if (values.token !== undefined || values.scope !== undefined) usage('--token and --scope go with --push');
    return undefined;
  }
  if (values.token === undefined || values.token === '') usage('--push needs --token');
  return { url: pushUrl(values.push, values.scope), token: values.token };
}

function requireAsset(asset: string | undefined): string {
  if (asset === undefined || !/^[A-Za-z0-9][A-Za-z0-9._:%@/-]{0,252}$/.test(asset))
    usage('--asset must be the IP address or host id the document describes');
  if (containsPanLike(asset)) usage('--asset looks like a card number (value not shown)');
  return asset;
}

async function readDocument(file: string): Promise<string> {
  const buffer = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new CliUsageError(`collect: cannot read ${file}: ${error.message}`);
  });
  if (buffer.length > MAX_DOCUMENT_BYTES)
    throw new CliUsageError(`collect: ${file} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  return utf8Document(buffer, file, 'collect');
}

function usage(reason: string): never {
  throw new CliUsageError(`collect: ${reason}\nusage: ${COLLECT_USAGE}`);
}

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { DriftwatchError, ErrorCode, errorChain } from '@driftwatch/core';

import {
  apiBase,
  type ApiEndpoint,
  callApi,
  problemText,
  readToken,
  timeoutHelp,
  timeoutMilliseconds,
} from '@driftwatch/cli/api/api-request';
import { CliUsageError } from '@driftwatch/cli/cli-error';

export const AUDIT_USAGE = `driftwatch audit verify --api URL (--token TOKEN | --token-file FILE)
                [--anchor-file FILE] [--timeout SECONDS]`;

// A long chain re-hashes every snapshot it records: give verify time.
const DEFAULT_TIMEOUT_SECONDS = 300;

export const AUDIT_HELP = `usage: ${AUDIT_USAGE}

Recomputes the tamper-evident audit trail through the API, from a machine the database's
operators do not control. With --anchor-file, the head the last intact run kept is checked too
(so a cut tail or a rewritten prefix is caught) and replaced by the new head.
Exit 0 intact, 1 broken, 2 error: an unreachable API or a refused key is never "intact".

options:
  --api URL               the API's base URL (a trailing /api/v1 is accepted)
  --token TOKEN           an API key that may verify the trail (auditor or admin)
  --token-file FILE       read the key from FILE instead
  --anchor-file FILE      the head the last run kept (none yet when FILE does not exist); a
                          broken chain leaves it as it was
  --timeout SECONDS       ${timeoutHelp(DEFAULT_TIMEOUT_SECONDS, 26)}
  -h, --help              print this help`;
const HASH = /^[0-9a-f]{64}$/;

/** An entry of the chain kept outside the database: what the next verify must still find. */
export interface AnchorFile {
  seq: number;
  hash: string;
  /** When the verify that returned it ran (the API's clock). */
  verifiedAt: string;
}

interface Verification {
  valid: boolean;
  entriesChecked: number;
  snapshotsChecked: number;
  evaluationsChecked: number;
  head: { seq: number; hash: string } | null;
  anchor: { seq: number; hash: string; matched: boolean } | null;
  firstBroken: { seq: number; reason: string; detail: string } | null;
  verifiedAt: string;
}

/**
 * `audit verify`: an auditor's check of the tamper-evident trail, run from a machine the
 * database's operators do not control (a cron job, a pipeline). With `--anchor-file`, the head the
 * last run saw is passed back as an anchor, so a cut tail or a rewritten prefix is caught too, and
 * an intact chain's new head replaces it; a broken chain leaves the file as it was. Exit 0 intact,
 * 1 broken, 2 on any error (an unreachable API or a refused key is never "intact").
 */
export async function auditCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    const { api, anchorFile } = parse(args);
    const anchor = anchorFile !== undefined ? readAnchor(anchorFile) : undefined;
    const result = await verify(api, anchor);
    out(summary(result));
    if (!result.valid) return 1;
    if (anchorFile !== undefined && result.head) {
      writeAnchor(anchorFile, { ...result.head, verifiedAt: result.verifiedAt });
    }
    return 0;
  } catch (error: unknown) {
    const message = errorChain(error);
    err(`driftwatch: ${message.startsWith('audit: ') ? message : `audit: ${message}`}`);
    return 2;
  }
}

function parse(args: string[]): { api: ApiEndpoint; anchorFile: string | undefined } {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'verify')
    usage(
      subcommand === undefined ? 'missing subcommand' : `unknown subcommand ${JSON.stringify(subcommand)}`,
    );
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      api: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'anchor-file': { type: 'string' },
      timeout: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) usage(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.api === undefined) usage('--api is required');
  return {
    api: {
      base: apiBase(values.api, 'audit'),
      token: readToken(values, usage, 'audit'),
      timeoutMs: timeoutMilliseconds(values.timeout, DEFAULT_TIMEOUT_SECONDS, usage),
    },
    anchorFile: values['anchor-file'],
  };
}

/** The anchor a previous run wrote; none yet when the file does not exist. A damaged file is an error, never ignored. */
export function readAnchor(file: string): AnchorFile | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error: unknown) {
    throw new CliUsageError(
      `audit: the anchor file ${file} is not JSON (${errorChain(error)}); restore it from where you keep it`,
    );
  }
  const anchor = parsed as Partial<AnchorFile> | null;
  if (
    typeof anchor !== 'object' ||
    anchor === null ||
    !Number.isSafeInteger(anchor.seq) ||
    (anchor.seq ?? 0) < 1 ||
    typeof anchor.hash !== 'string' ||
    !HASH.test(anchor.hash) ||
    !isTime(anchor.verifiedAt)
  ) {
    throw new CliUsageError(
      `audit: the anchor file ${file} must hold {"seq": a positive integer, "hash": 64 lowercase hex digits, "verifiedAt": a time}`,
    );
  }
  return { seq: anchor.seq as number, hash: anchor.hash, verifiedAt: anchor.verifiedAt };
}

/** An RFC 3339 date-time with its offset, as the API writes verifiedAt (a damaged file is refused, not echoed). */
function isTime(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)$/.test(value) &&
    Number.isFinite(Date.parse(value))
  );
}

/** Replaced whole (written beside, then renamed), so a crash never leaves half an anchor. */
function writeAnchor(file: string, anchor: AnchorFile): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, `${JSON.stringify(anchor, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
}

async function verify(api: ApiEndpoint, anchor: AnchorFile | undefined): Promise<Verification> {
  const answer = await callApi(api, {
    method: 'GET',
    path: 'audit/verify',
    ...(anchor ? { search: { anchorSeq: String(anchor.seq), anchorHash: anchor.hash } } : {}),
  });
  if (!answer.ok) {
    const what =
      answer.status === 401
        ? 'the API refused the token (invalid, expired or revoked)'
        : answer.status === 403
          ? "the token's role may not verify the trail (admin or auditor)"
          : `the API answered ${answer.status}`;
    throw new DriftwatchError(ErrorCode.DependencyUnavailable, `${what}: ${problemText(answer)}`);
  }
  if (!isVerification(answer.json)) {
    throw new DriftwatchError(
      ErrorCode.DependencyUnavailable,
      `the API's answer is not a verification (${answer.text.slice(0, 200)})`,
    );
  }
  return answer.json;
}

function summary(result: Verification): string {
  const checked =
    `${result.entriesChecked} entries, ${result.snapshotsChecked} snapshots and ` +
    `${result.evaluationsChecked} evaluations checked`;
  const anchor = result.anchor ? `, the anchored entry ${result.anchor.seq} held` : '';
  if (result.valid) return `audit trail intact: ${checked}${anchor}; head ${result.head?.seq ?? 'none'}`;
  const broken = result.firstBroken;
  return `audit trail BROKEN at entry ${broken?.seq}: ${broken?.reason}: ${broken?.detail} (${checked})`;
}

function isVerification(value: unknown): value is Verification {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const head = v['head'] as Record<string, unknown> | null;
  const broken = v['firstBroken'] as Record<string, unknown> | null;
  return (
    typeof v['valid'] === 'boolean' &&
    typeof v['entriesChecked'] === 'number' &&
    typeof v['verifiedAt'] === 'string' &&
    (head === null ||
      (typeof head === 'object' && typeof head['seq'] === 'number' && typeof head['hash'] === 'string')) &&
    (v['valid'] === true ? broken === null : typeof broken === 'object' && broken !== null)
  );
}

function usage(reason: string): never {
  throw new CliUsageError(`audit: ${reason}\nusage: ${AUDIT_USAGE}`);
}

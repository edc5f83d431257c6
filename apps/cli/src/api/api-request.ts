import { readFileSync } from 'node:fs';

import { DriftwatchError, ErrorCode, errorChain } from '@driftwatch/core';

import { CliUsageError } from '@driftwatch/cli/cli-error';
import { secondsAsMilliseconds } from '@driftwatch/cli/numeric-option';

/** Where the CLI's online commands (gate, audit) ask, with which token, for how long at most. */
export interface ApiEndpoint {
  base: URL;
  token: string;
  /** Whole milliseconds: AbortSignal.timeout refuses a fraction. */
  timeoutMs: number;
}

const MAX_TIMEOUT_SECONDS = 3600;

/** What the API answered: its status, the body's JSON (undefined when it is not JSON) and text. */
export interface ApiAnswer {
  status: number;
  ok: boolean;
  json: unknown;
  text: string;
}

/** `--api`: the API's base URL (a trailing /api/v1 is accepted too). */
export function apiBase(api: string, command = 'gate'): URL {
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new CliUsageError(`${command}: --api must be a URL, not ${JSON.stringify(api)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliUsageError(`${command}: --api must be an http or https URL`);
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

/** --token or --token-file (pipelines keep secrets in files), never both. */
export function readToken(
  values: { token?: string; 'token-file'?: string },
  usage: (reason: string) => never,
  command: string,
): string {
  if ((values.token === undefined) === (values['token-file'] === undefined))
    usage('--api needs exactly one of --token and --token-file');
  let token = values.token;
  if (token === undefined) {
    const file = values['token-file'] as string;
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (error: unknown) {
      throw new CliUsageError(`${command}: cannot read the token file ${file}: ${errorChain(error)}`);
    }
  }
  if (token === '' || /\s/.test(token)) usage('the token is empty or holds whitespace');
  return token;
}

/** `--timeout`'s help line, after `indent` spaces: the same rule `timeoutMilliseconds` applies. */
export function timeoutHelp(defaultSeconds: number, indent: number): string {
  return `how long to wait for the API, in seconds (default ${defaultSeconds}): more than 0
${' '.repeat(indent)}and at most ${MAX_TIMEOUT_SECONDS}, e.g. 2.5; a fraction is rounded up to whole milliseconds`;
}

/** `--timeout`: seconds (default `fallbackSeconds`) as whole milliseconds. */
export function timeoutMilliseconds(
  value: string | undefined,
  fallbackSeconds: number,
  usage: (r: string) => never,
): number {
  return value === undefined
    ? fallbackSeconds * 1000
    : secondsAsMilliseconds(value, 'timeout', MAX_TIMEOUT_SECONDS, usage);
}

/**
 * One request to `/api/v1/<path>`. An unreachable API or a timeout throws; any HTTP answer is
 * returned for the caller to judge (a non-2xx is never a success).
 */
export async function callApi(
  api: ApiEndpoint,
  request: { method: 'GET' | 'POST'; path: string; search?: Record<string, string>; body?: unknown },
): Promise<ApiAnswer> {
  const url = new URL(`${api.base.pathname.replace(/\/+$/, '')}/api/v1/${request.path}`, api.base);
  if (request.search) url.search = new URLSearchParams(request.search).toString();
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${api.token}`,
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(api.timeoutMs),
    });
    text = await response.text();
  } catch (error: unknown) {
    throw unreachable(api, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, ok: response.ok, json, text };
}

/** An RFC 9457 problem's `detail` and `fields`, as one message (or the body's start). */
export function problemText(answer: ApiAnswer): string {
  const problem = (typeof answer.json === 'object' && answer.json !== null ? answer.json : {}) as Record<
    string,
    unknown
  >;
  const detail = typeof problem['detail'] === 'string' ? problem['detail'] : answer.text.slice(0, 500);
  const fields = Array.isArray(problem['fields'])
    ? (problem['fields'] as { field?: unknown; reason?: unknown }[]).map(
        (f) => `\n  ${String(f.field)}: ${String(f.reason)}`,
      )
    : [];
  return `${detail}${fields.join('')}`;
}

function unreachable(api: ApiEndpoint, error: unknown): DriftwatchError {
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return new DriftwatchError(
    ErrorCode.DependencyUnavailable,
    timedOut
      ? `the API at ${api.base.origin} did not answer within ${api.timeoutMs / 1000} s`
      : `cannot reach the API at ${api.base.origin}: ${errorChain(error)}`,
  );
}

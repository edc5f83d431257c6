import { DriftwatchError, ErrorCode, errorChain, type GateResult } from '@driftwatch/core';

import { CliUsageError } from '@driftwatch/cli/cli-error';

/** What is asked of the API: a scope's stored state (GET /gate) or a candidate (POST /evaluate). */
export type GateRequest =
  | { kind: 'gate'; scope: string; failOn: string; mode: string }
  | { kind: 'dry-run'; body: Record<string, unknown> & { scope: string } };

export interface GateApi {
  base: URL;
  token: string;
  timeoutSeconds: number;
}

/** `--api`: the API's base URL (a trailing /api/v1 is accepted too). */
export function apiBase(api: string): URL {
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new CliUsageError(`gate: --api must be a URL, not ${JSON.stringify(api)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliUsageError('gate: --api must be an http or https URL');
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

/**
 * Asks the API for a verdict. Everything but a 2xx GateResult throws: an unreachable API, a
 * timeout, a refused token, an unknown scope or a malformed answer is an error, never a pass.
 */
export async function requestGate(api: GateApi, request: GateRequest): Promise<GateResult> {
  const path = `${api.base.pathname.replace(/\/+$/, '')}/api/v1/${request.kind === 'gate' ? 'gate' : 'evaluate'}`;
  const url = new URL(path, api.base);
  if (request.kind === 'gate') {
    url.search = new URLSearchParams({
      scope: request.scope,
      failOn: request.failOn,
      mode: request.mode,
    }).toString();
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.kind === 'gate' ? 'GET' : 'POST',
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${api.token}`,
        ...(request.kind === 'dry-run' ? { 'content-type': 'application/json' } : {}),
      },
      ...(request.kind === 'dry-run' ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(api.timeoutSeconds * 1000),
    });
  } catch (error: unknown) {
    throw unreachable(api, error);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error: unknown) {
    throw unreachable(api, error);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  const scope = request.kind === 'gate' ? request.scope : request.body.scope;
  if (!response.ok) throw refused(response.status, answer, text, scope);
  if (!isGateResult(answer))
    throw new DriftwatchError(
      ErrorCode.DependencyUnavailable,
      `the API's answer is not a gate result (${text.slice(0, 200)})`,
    );
  return answer;
}

function unreachable(api: GateApi, error: unknown): DriftwatchError {
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return new DriftwatchError(
    ErrorCode.DependencyUnavailable,
    timedOut
      ? `the API at ${api.base.origin} did not answer within ${api.timeoutSeconds} s`
      : `cannot reach the API at ${api.base.origin}: ${errorChain(error)}`,
  );
}

function refused(status: number, answer: unknown, text: string, scope: string): DriftwatchError {
  // The API answers errors as RFC 9457 problem details: `detail` says what, `fields` where.
  const problem = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  const detail = typeof problem['detail'] === 'string' ? problem['detail'] : text.slice(0, 500);
  const fields = Array.isArray(problem['fields'])
    ? (problem['fields'] as { field?: unknown; reason?: unknown }[]).map(
        (f) => `\n  ${String(f.field)}: ${String(f.reason)}`,
      )
    : [];
  const what =
    status === 401
      ? 'the API refused the token (invalid, expired or revoked)'
      : status === 403
        ? "the token's role may not ask for a gate verdict"
        : status === 404
          ? `unknown scope ${scope}`
          : `the API answered ${status}`;
  return new DriftwatchError(ErrorCode.DependencyUnavailable, `${what}: ${detail}${fields.join('')}`);
}

const VERDICTS = ['pass', 'fail'];

/** The parts of a GateResult the formats read; anything else is a wrong server or a proxy page. */
export function isGateResult(value: unknown): value is GateResult {
  if (!isObject(value)) return false;
  const findingsOk = (list: unknown) =>
    Array.isArray(list) &&
    list.every(
      (f) =>
        isObject(f) &&
        ['fingerprint', 'ruleId', 'severity', 'asset', 'subject', 'message'].every(
          (k) => typeof f[k] === 'string',
        ) &&
        Array.isArray(f['requirements']),
    );
  return (
    VERDICTS.includes(value['verdict'] as string) &&
    Array.isArray(value['reasons']) &&
    isObject(value['scope']) &&
    typeof value['scope']['id'] === 'string' &&
    typeof value['scope']['name'] === 'string' &&
    isObject(value['counts']) &&
    isObject(value['policy']) &&
    Array.isArray(value['rules']) &&
    findingsOk(value['blocking']) &&
    findingsOk(value['findings'])
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

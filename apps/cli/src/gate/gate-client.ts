import { DriftwatchError, ErrorCode, type GateResult } from '@driftwatch/core';

import {
  apiBase,
  type ApiAnswer,
  type ApiEndpoint,
  callApi,
  problemText,
} from '@driftwatch/cli/api/api-request';

/** What is asked of the API: a scope's stored state (GET /gate) or a candidate (POST /evaluate). */
export type GateRequest =
  | { kind: 'gate'; scope: string; failOn: string; mode: string }
  | { kind: 'dry-run'; body: Record<string, unknown> & { scope: string } };

export type GateApi = ApiEndpoint;
export { apiBase };

/**
 * Asks the API for a verdict. Everything but a 2xx GateResult throws: an unreachable API, a
 * timeout, a refused token, an unknown scope or a malformed answer is an error, never a pass.
 */
export async function requestGate(api: GateApi, request: GateRequest): Promise<GateResult> {
  const answer = await callApi(
    api,
    request.kind === 'gate'
      ? {
          method: 'GET',
          path: 'gate',
          search: { scope: request.scope, failOn: request.failOn, mode: request.mode },
        }
      : { method: 'POST', path: 'evaluate', body: request.body },
  );
  const scope = request.kind === 'gate' ? request.scope : request.body.scope;
  if (!answer.ok) throw refused(answer, scope);
  if (!isGateResult(answer.json))
    throw new DriftwatchError(
      ErrorCode.DependencyUnavailable,
      `the API's answer is not a gate result (${answer.text.slice(0, 200)})`,
    );
  return answer.json;
}

function refused(answer: ApiAnswer, scope: string): DriftwatchError {
  const { status } = answer;
  const what =
    status === 401
      ? 'the API refused the token (invalid, expired or revoked)'
      : status === 403
        ? "the token's role may not ask for a gate verdict"
        : status === 404
          ? noRoute(answer)
            ? 'the API has no such route: --api must be its base URL (e.g. http://host:3000)'
            : `unknown scope ${scope}`
          : `the API answered ${status}`;
  return new DriftwatchError(ErrorCode.DependencyUnavailable, `${what}: ${problemText(answer)}`);
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

/** The API's 404 for a path it does not serve (--api pointing elsewhere), not for a scope it lacks. */
function noRoute(answer: ApiAnswer): boolean {
  const json = answer.json as { detail?: unknown } | null | undefined;
  return typeof json?.detail === 'string' && json.detail.startsWith('No route ');
}

import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import { CliUsageError } from '@driftwatch/cli/cli-error';

/** The body of POST /api/v1/scopes/{id}/config. */
export interface ConfigSubmission {
  kind: string;
  asset: string;
  collectedAt: string;
  tag?: string;
  schema?: string;
  content: string;
}

const PUSH_TIMEOUT_MS = 60_000;
const CONFIG_PATH = /\/api\/v1\/scopes\/[0-9a-f-]{36}\/config\/?$/i;

/**
 * Where to push: `--push` is either the scope's config endpoint itself
 * (https://driftwatch.example/api/v1/scopes/<id>/config) or the API's base URL with `--scope`.
 */
export function pushUrl(push: string, scope: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(push);
  } catch {
    throw new CliUsageError(`collect: --push must be a URL, not ${JSON.stringify(push)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliUsageError('collect: --push must be an http or https URL');
  if (CONFIG_PATH.test(url.pathname)) {
    if (scope !== undefined) throw new CliUsageError('collect: --scope is already in the --push URL');
    return url;
  }
  if (scope === undefined || !/^[0-9a-f-]{36}$/i.test(scope))
    throw new CliUsageError(
      'collect: --push URL needs --scope ID (or give the full .../api/v1/scopes/ID/config URL)',
    );
  return new URL(`${url.pathname.replace(/\/+$/, '')}/api/v1/scopes/${scope}/config`, url);
}

/** Sends a document; any answer but 2xx, an unreachable API or a timeout is an error. */
export async function pushDocument(
  url: URL,
  token: string,
  body: ConfigSubmission,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
  } catch (error: unknown) {
    throw new DriftwatchError(
      ErrorCode.DependencyUnavailable,
      `cannot reach ${url.origin}`,
      {},
      { cause: error },
    );
  }
  const text = await response.text();
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below as text
  }
  if (!response.ok) {
    // The API answers errors as RFC 9457 problem details: `detail` says what was wrong.
    const detail = typeof answer['detail'] === 'string' ? answer['detail'] : text.slice(0, 500);
    throw new DriftwatchError(
      ErrorCode.DependencyUnavailable,
      `the API answered ${response.status}: ${detail}`,
    );
  }
  return answer;
}

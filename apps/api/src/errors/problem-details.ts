import { HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';

import { maskPanLike } from '@driftwatch/config-state';
import { ErrorCode, type FieldError } from '@driftwatch/core';

/** RFC 9457 media type of every error answer. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Where the problem types are documented; `type` is this base plus the code in kebab case. */
export const PROBLEM_TYPE_BASE = 'https://driftwatch.dev/problems/';

/**
 * RFC 9457 problem details, with two extension members: `code` (our ErrorCode, or the HTTP
 * status name for an error no code describes) and `fields` (what was wrong with which input).
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  fields?: FieldError[];
}

/** The HTTP status of each code. */
export const STATUS_OF_CODE: Record<ErrorCode, HttpStatus> = {
  [ErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [ErrorCode.TargetNotAllowed]: HttpStatus.BAD_REQUEST,
  [ErrorCode.NmapOutputInvalid]: HttpStatus.BAD_REQUEST,
  [ErrorCode.PolicyInvalid]: HttpStatus.BAD_REQUEST,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [ErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.ScanCancelled]: HttpStatus.CONFLICT,
  [ErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.DependencyUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.ScanFailed]: HttpStatus.INTERNAL_SERVER_ERROR,
  [ErrorCode.ConfigInvalid]: HttpStatus.INTERNAL_SERVER_ERROR,
  [ErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** The code of an HTTP status that Nest or Express raised without one of ours. */
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: ErrorCode.ValidationFailed,
  [HttpStatus.UNAUTHORIZED]: ErrorCode.Unauthenticated,
  [HttpStatus.FORBIDDEN]: ErrorCode.Forbidden,
  [HttpStatus.NOT_FOUND]: ErrorCode.NotFound,
  [HttpStatus.CONFLICT]: ErrorCode.Conflict,
  [HttpStatus.PAYLOAD_TOO_LARGE]: ErrorCode.PayloadTooLarge,
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: ErrorCode.UnsupportedMediaType,
  [HttpStatus.TOO_MANY_REQUESTS]: ErrorCode.RateLimited,
  [HttpStatus.SERVICE_UNAVAILABLE]: ErrorCode.DependencyUnavailable,
  [HttpStatus.INTERNAL_SERVER_ERROR]: ErrorCode.Internal,
};

const MAX_INSTANCE_CHARS = 2048;
const MAX_DETAIL_CHARS = 2000;

/** "TARGET_NOT_ALLOWED" → "Target not allowed". */
function titleOf(code: string): string {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export interface ProblemInput {
  status: number;
  detail: string;
  /** Our code; derived from the status when absent. */
  code?: ErrorCode;
  fields?: FieldError[];
  /** Text that came from the client (a path, a parser message): masked for card numbers. */
  untrustedDetail?: boolean;
}

/** Builds the problem for a request. `instance` is the path without the query string, masked. */
export function problemFor(req: Pick<Request, 'originalUrl' | 'url'>, input: ProblemInput): ProblemDetails {
  const code = input.code ?? CODE_OF_STATUS[input.status];
  const detail = input.detail.slice(0, MAX_DETAIL_CHARS);
  const problem: ProblemDetails = {
    type: code ? `${PROBLEM_TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}` : 'about:blank',
    title: code ? titleOf(code) : titleOf(HttpStatus[input.status] ?? 'ERROR'),
    status: input.status,
    detail: input.untrustedDetail ? maskPanLike(detail) : detail,
    instance: requestPath(req),
    code: code ?? HttpStatus[input.status] ?? 'ERROR',
  };
  if (input.fields) problem.fields = input.fields;
  return problem;
}

/** The request path without its query (a query may carry any text), shortened and masked. */
export function requestPath(req: Pick<Request, 'originalUrl' | 'url'>): string {
  const url = String(req.originalUrl ?? req.url ?? '/');
  const query = url.indexOf('?');
  return maskPanLike((query >= 0 ? url.slice(0, query) : url).slice(0, MAX_INSTANCE_CHARS));
}

/** Writes a problem as the answer (for middleware that answers outside Nest's exception filter). */
export function sendProblem(res: Response, problem: ProblemDetails): void {
  if (problem.status === 401 && !res.hasHeader('WWW-Authenticate'))
    res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

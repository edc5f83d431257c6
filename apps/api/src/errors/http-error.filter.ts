import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { Request, Response } from 'express';

import { maskPanLike } from '@driftwatch/config-state';
import {
  PG_DEADLOCK_DETECTED,
  PG_SERIALIZATION_FAILURE,
  pgErrorCode,
} from '@driftwatch/application/common/pg-error';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import { type ProblemInput, problemFor, requestPath, sendProblem, STATUS_OF_CODE } from './problem-details';

// Errors of the pg driver and sockets that mean "the database is unreachable", not "bad request".
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P03',
  '08006',
  '08001',
]);

/**
 * One error format for every route: RFC 9457 problem details (application/problem+json) with
 * our `code` and, for bad input, `fields`. Never a stack; a 5xx is logged with its cause.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const problem = problemFor(req, this.toProblem(exception, req));
    if (res.headersSent) {
      // The answer had started (a streamed body): nothing more can be said on this response.
      res.destroy();
      return;
    }
    sendProblem(res, problem);
  }

  private toProblem(exception: unknown, req: Request): ProblemInput {
    if (exception instanceof DriftwatchError) {
      const status: number = STATUS_OF_CODE[exception.code];
      if (status >= 500) this.logger.error({ err: exception }, exception.message);
      return { status, code: exception.code, detail: exception.message, fields: exception.details.fields };
    }
    if (exception instanceof NotFoundException && /^Cannot [A-Z]+ /.test(exception.message)) {
      // Nest's "Cannot GET /path?query" for an unknown route: the query is not repeated.
      return { status: 404, detail: `No route ${req.method} ${requestPath(req)}`, untrustedDetail: true };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const detail = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join('; ') : exception.message;
      if (status >= 500) this.logger.error({ err: exception }, detail);
      if (status === 429) return { status, detail: 'Too many requests; retry after the time in Retry-After' };
      return { status, detail, untrustedDetail: true };
    }
    const bodyError = bodyParserError(exception);
    if (bodyError) return bodyError;
    if (isConnectionError(exception)) {
      this.logger.warn({ err: exception }, 'dependency unavailable');
      return {
        status: 503,
        code: ErrorCode.DependencyUnavailable,
        detail: 'A backing service is unavailable; retry later',
      };
    }
    if (isTransactionConflict(exception)) {
      // A deadlock or serialization failure rolled the transaction back: nothing was stored, and
      // the same request sent again succeeds. Logged as an error all the same: it is a lock
      // order to fix.
      this.logger.error({ err: exception }, 'transaction conflict');
      return {
        status: 409,
        code: ErrorCode.Conflict,
        detail: 'The request conflicted with concurrent changes and stored nothing; retry it',
      };
    }
    this.logger.error({ err: exception }, 'unhandled error');
    return { status: 500, code: ErrorCode.Internal, detail: 'Internal error' };
  }
}

/** Express body parsers report bad bodies (too large, malformed JSON, bad charset) with a 4xx `status`. */
export function bodyParserError(error: unknown): ProblemInput | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type, message } = error as { status?: unknown; type?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || typeof type !== 'string')
    return undefined;
  if (type === 'entity.too.large') {
    return {
      status: HttpStatus.PAYLOAD_TOO_LARGE,
      code: ErrorCode.PayloadTooLarge,
      detail: 'The request body is larger than this route accepts',
    };
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return {
      status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      code: ErrorCode.UnsupportedMediaType,
      detail: `Unsupported body encoding: ${typeof message === 'string' ? message : type}`,
      untrustedDetail: true,
    };
  }
  // A JSON parser message quotes the start of the body: kept short and masked.
  const reason = maskPanLike((typeof message === 'string' ? message : type).slice(0, 200));
  return {
    status: status === 400 || status === 413 || status === 415 ? status : HttpStatus.BAD_REQUEST,
    code:
      status === 413
        ? ErrorCode.PayloadTooLarge
        : status === 415
          ? ErrorCode.UnsupportedMediaType
          : ErrorCode.ValidationFailed,
    detail: `Invalid request body: ${reason}`,
    fields: [{ field: 'body', reason }],
  };
}

function isTransactionConflict(error: unknown): boolean {
  const code = pgErrorCode(error);
  return code === PG_DEADLOCK_DETECTED || code === PG_SERIALIZATION_FAILURE;
}

function isConnectionError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(message)
    ) {
      return true;
    }
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

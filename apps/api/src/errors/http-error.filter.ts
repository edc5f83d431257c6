import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';

import { DriftwatchError, ErrorCode, type FieldError } from '@driftwatch/core';

const STATUS: Record<ErrorCode, HttpStatus> = {
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
  [ErrorCode.DependencyUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.ScanFailed]: HttpStatus.INTERNAL_SERVER_ERROR,
  [ErrorCode.ConfigInvalid]: HttpStatus.INTERNAL_SERVER_ERROR,
};

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  fields?: FieldError[];
}

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

/** One error shape for every route: { statusCode, error (a code), message, fields? }. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DriftwatchError) {
      const statusCode: number = STATUS[exception.code];
      if (statusCode >= 500) this.logger.error({ err: exception }, exception.message);
      return {
        statusCode,
        error: exception.code,
        message: exception.message,
        fields: exception.details.fields,
      };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const message = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join('; ') : exception.message;
      return { statusCode, error: HttpStatus[statusCode] ?? 'ERROR', message };
    }
    const bodyError = bodyParserError(exception);
    if (bodyError) return bodyError;
    if (isConnectionError(exception)) {
      this.logger.warn({ err: exception }, 'dependency unavailable');
      return {
        statusCode: 503,
        error: ErrorCode.DependencyUnavailable,
        message: 'A backing service is unavailable; retry later',
      };
    }
    this.logger.error({ err: exception }, 'unhandled error');
    return { statusCode: 500, error: 'INTERNAL', message: 'Internal error' };
  }
}

/** Express body parsers report bad bodies (too large, malformed JSON) with a 4xx `status`. */
function bodyParserError(error: unknown): ErrorBody | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type, message } = error as { status?: unknown; type?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || typeof type !== 'string')
    return undefined;
  if (type === 'entity.too.large') {
    return {
      statusCode: 413,
      error: ErrorCode.PayloadTooLarge,
      message: 'The request body is larger than this route accepts',
    };
  }
  return {
    statusCode: status,
    error: ErrorCode.ValidationFailed,
    message: `Invalid request body: ${typeof message === 'string' ? message : type}`,
    fields: [{ field: 'body', reason: typeof message === 'string' ? message : type }],
  };
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

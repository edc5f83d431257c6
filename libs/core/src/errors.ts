/**
 * Errors with codes: every module throws DriftwatchError with a code from this enum, and the
 * API's exception filter maps codes to HTTP statuses. Wrap lower-level errors with `{ cause }`.
 */
export enum ErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  TargetNotAllowed = 'TARGET_NOT_ALLOWED',
  ScanFailed = 'SCAN_FAILED',
  ScanCancelled = 'SCAN_CANCELLED',
  NmapOutputInvalid = 'NMAP_OUTPUT_INVALID',
  PolicyInvalid = 'POLICY_INVALID',
  ConfigInvalid = 'CONFIG_INVALID',
  DependencyUnavailable = 'DEPENDENCY_UNAVAILABLE',
  /** Too many requests from one API key or client address (the API answers 429 with Retry-After). */
  RateLimited = 'RATE_LIMITED',
  /** An unexpected failure; the API answers 500 without details. */
  Internal = 'INTERNAL',
}

export interface FieldError {
  field: string;
  reason: string;
}

export class DriftwatchError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { fields?: FieldError[]; [key: string]: unknown } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DriftwatchError';
  }

  static validation(fields: FieldError[]): DriftwatchError {
    const text = fields.map((f) => `${f.field}: ${f.reason}`).join('; ');
    return new DriftwatchError(ErrorCode.ValidationFailed, `Invalid input: ${text}`, { fields });
  }
}

/** "outer: cause: root cause" — the messages of an error and its causes, for logs and CLI output. */
export function errorChain(error: unknown, maxDepth = 5): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && parts.length < maxDepth;) {
    if (e instanceof Error) {
      parts.push(e.message);
      e = e.cause;
    } else {
      parts.push(typeof e === 'string' ? e : JSON.stringify(e));
      break;
    }
  }
  return parts.join(': ');
}

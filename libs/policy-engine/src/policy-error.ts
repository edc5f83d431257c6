import { DriftwatchError, ErrorCode } from '@driftwatch/core';

export interface PolicyErrorDetails {
  file: string;
  /** JSON pointer inside the rule file, e.g. "/severity" or "/fixtures/fail/0". */
  pointer: string;
  reason: string;
  /** 1-based position in the file, when the text is known. */
  line?: number;
  column?: number;
}

/** A rule file or pack that cannot be used; the message names the file and the location. */
export class PolicyError extends DriftwatchError {
  declare readonly details: PolicyErrorDetails & { [key: string]: unknown };

  constructor(details: PolicyErrorDetails, options?: { cause?: unknown }) {
    const position = details.line === undefined ? '' : `:${details.line}:${details.column ?? 1}`;
    super(
      ErrorCode.PolicyInvalid,
      `Invalid policy rule ${details.file}${position} at ${details.pointer || '/'}: ${details.reason}`,
      { ...details },
      options,
    );
    this.name = 'PolicyError';
  }
}

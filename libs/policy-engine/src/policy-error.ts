import { DriftwatchError, ErrorCode } from '@driftwatch/core';

export interface PolicyErrorDetails {
  file: string;
  /** JSON pointer inside the rule file, e.g. "/severity" or "/fixtures/fail/0". */
  pointer: string;
  reason: string;
  /** The rule's id, when the file got far enough to have one. */
  ruleId?: string;
  /** 1-based position in the file, when the text is known. */
  line?: number;
  column?: number;
}

/** A rule file or pack that cannot be used; the message names the file and the location. */
export class PolicyError extends DriftwatchError {
  declare readonly details: PolicyErrorDetails & { [key: string]: unknown };

  constructor(details: PolicyErrorDetails, options?: { cause?: unknown }) {
    const position = details.line === undefined ? '' : `:${details.line}:${details.column ?? 1}`;
    const rule = details.ruleId === undefined ? '' : ` (rule ${details.ruleId})`;
    super(
      ErrorCode.PolicyInvalid,
      `Invalid policy rule ${details.file}${position}${rule} at ${details.pointer || '/'}: ${details.reason}`,
      { ...details },
      options,
    );
    this.name = 'PolicyError';
  }
}

/** "file:line:column: rule ID: /pointer: reason", the one-line form CLIs, API errors and editors share. */
export function formatPolicyProblem(details: PolicyErrorDetails): string {
  const position = details.line === undefined ? '' : `:${details.line}:${details.column ?? 1}`;
  const rule = details.ruleId === undefined ? '' : `rule ${details.ruleId}: `;
  return `${details.file}${position}: ${rule}${details.pointer || '/'}: ${details.reason}`;
}

import { UnrecoverableError } from 'bullmq';

import { DriftwatchError, ErrorCode, errorChain } from '@driftwatch/core';

// Errors that a retry cannot fix: fail the scan at once instead of after every backoff.
const FINAL = new Set<ErrorCode>([
  ErrorCode.TargetNotAllowed,
  ErrorCode.ValidationFailed,
  ErrorCode.PolicyInvalid,
  ErrorCode.ScanCancelled,
]);

/** Final: a code no retry can fix, or an error that says so itself (`details.final`). */
export function isFinal(error: unknown): boolean {
  return (
    error instanceof UnrecoverableError ||
    (error instanceof DriftwatchError && (FINAL.has(error.code) || error.details['final'] === true))
  );
}

/** Rethrow so BullMQ applies the job's retry policy, or stops retrying for final errors. */
export function toJobError(error: unknown): Error {
  if (isFinal(error) && !(error instanceof UnrecoverableError)) {
    return new UnrecoverableError(errorChain(error));
  }
  return error instanceof Error ? error : new Error(errorChain(error));
}

import { DriftwatchError, ErrorCode } from '@driftwatch/core';

/** 404 for a scope that does not exist or was deleted. Its own module: services of every area use it. */
export function scopeNotFound(id: string): DriftwatchError {
  return new DriftwatchError(ErrorCode.NotFound, `Scope ${id} not found`);
}

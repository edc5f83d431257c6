import { DriftwatchError } from '@driftwatch/core';

/**
 * Opaque keyset cursors (docs/decisions/0014): base64url of `{"s": sort, "k": key, "i": id}`,
 * the position of the last row of a page in one sort. A cursor is only data to resume from,
 * never SQL: decoding checks every part (shape, sort, key format, id) and refuses anything
 * else with a 400 naming `cursor`, so an edited cursor can move the position but not break
 * the query.
 */
export interface CursorPosition {
  key: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A timestamp key as the repositories write it: UTC, to the microsecond. */
export const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,1024}$/;

export function encodeCursor(sort: string, position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ s: sort, k: position.key, i: position.id })).toString('base64url');
}

const invalid = (reason: string) => DriftwatchError.validation([{ field: 'cursor', reason }]);

/**
 * The position in `cursor`, which must have been made for `sort`; `key` says what a valid
 * key looks like (a timestamp, a rank, a row id).
 */
export function decodeCursor(cursor: string, sort: string, key: RegExp, idPattern = UUID): CursorPosition {
  if (!BASE64URL.test(cursor)) throw invalid('is not a cursor returned by this list');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a cursor returned by this list');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('is not a cursor returned by this list');
  }
  const { s, k, i, ...rest } = parsed as Record<string, unknown>;
  if (
    typeof s !== 'string' ||
    typeof k !== 'string' ||
    typeof i !== 'string' ||
    Object.keys(rest).length > 0
  ) {
    throw invalid('is not a cursor returned by this list');
  }
  if (s !== sort) throw invalid(`was made for sort "${s}", not "${sort}"; start again without a cursor`);
  if (!key.test(k) || !idPattern.test(i)) throw invalid('is not a cursor returned by this list');
  if (key === TIMESTAMP_KEY && !isRealTimestamp(k)) throw invalid('is not a cursor returned by this list');
  return { key: k, id: i };
}

/** A date that exists (no 31 February, no year 0): what PostgreSQL will accept back. */
function isRealTimestamp(k: string): boolean {
  const ms = Date.parse(k);
  return (
    !Number.isNaN(ms) && !k.startsWith('0000') && new Date(ms).toISOString().slice(0, 23) === k.slice(0, 23)
  );
}

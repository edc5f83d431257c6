import { DriftwatchError } from '@driftwatch/core';

import { decodeCursor, encodeCursor, TIMESTAMP_KEY } from './cursor';

const ID = '0b9f3c4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e';
const KEY = '2026-11-01T00:01:00.000456Z';

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DriftwatchError);
    return ((error as DriftwatchError).details.fields ?? []).map((f) => f.field);
  }
  throw new Error('expected a validation error');
}

describe('keyset cursors', () => {
  it('gives back the position it was made from, for the same sort', () => {
    const cursor = encodeCursor('-lastSeenAt', { key: KEY, id: ID });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, '-lastSeenAt', TIMESTAMP_KEY)).toEqual({ key: KEY, id: ID });
  });

  it('refuses a cursor made for another sort, naming the cursor', () => {
    const cursor = encodeCursor('-lastSeenAt', { key: KEY, id: ID });
    expect(fieldsOf(() => decodeCursor(cursor, 'firstFailedAt', TIMESTAMP_KEY))).toEqual(['cursor']);
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['an array', Buffer.from(JSON.stringify(['-lastSeenAt', KEY, ID])).toString('base64url')],
    [
      'an extra member',
      Buffer.from(JSON.stringify({ s: '-lastSeenAt', k: KEY, i: ID, x: 1 })).toString('base64url'),
    ],
    [
      'SQL in the key',
      Buffer.from(JSON.stringify({ s: '-lastSeenAt', k: "1' OR '1'='1", i: ID })).toString('base64url'),
    ],
    [
      'an impossible date',
      Buffer.from(JSON.stringify({ s: '-lastSeenAt', k: '2026-02-31T99:00:00.000000Z', i: ID })).toString(
        'base64url',
      ),
    ],
    [
      'the 31st of February',
      Buffer.from(JSON.stringify({ s: '-lastSeenAt', k: '2026-02-31T00:00:00.000000Z', i: ID })).toString(
        'base64url',
      ),
    ],
    ['a bad id', Buffer.from(JSON.stringify({ s: '-lastSeenAt', k: KEY, i: 'x' })).toString('base64url')],
    ['too long', 'A'.repeat(2000)],
  ])('refuses a bad cursor (%s) naming the cursor', (_what, cursor) => {
    expect(fieldsOf(() => decodeCursor(cursor, '-lastSeenAt', TIMESTAMP_KEY))).toEqual(['cursor']);
  });
});

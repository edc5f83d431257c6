import type { ArgumentsHost } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';

import { HttpErrorFilter } from './http-error.filter';

/** What the filter answers for `exception`, as status and parsed body. */
function answer(exception: unknown): { status: number; body: Record<string, unknown> } {
  const sent: { status: number; body: string } = { status: 0, body: '' };
  const res = {
    headersSent: false,
    hasHeader: () => false,
    setHeader: () => undefined,
    status(code: number) {
      sent.status = code;
      return this;
    },
    type() {
      return this;
    },
    send(body: string) {
      sent.body = body;
      return this;
    },
  };
  const req = { originalUrl: '/api/v1/waivers', url: '/api/v1/waivers', method: 'POST' };
  const host = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ArgumentsHost;
  const filter = new HttpErrorFilter();
  // The filter logs 5xx and conflicts; the test only reads the answer.
  (filter as unknown as { logger: { error: () => void; warn: () => void } }).logger = {
    error: () => undefined,
    warn: () => undefined,
  };
  filter.catch(exception, host);
  return { status: sent.status, body: JSON.parse(sent.body) as Record<string, unknown> };
}

function pgFailure(code: string, message: string): QueryFailedError {
  return new QueryFailedError('INSERT INTO waivers …', [], Object.assign(new Error(message), { code }));
}

describe('HttpErrorFilter', () => {
  it.each([
    ['a deadlock', '40P01', 'deadlock detected'],
    ['a serialization failure', '40001', 'could not serialize access due to concurrent update'],
  ])('answers %s, which stored nothing, with 409 CONFLICT asking for a retry', (_what, code, message) => {
    const { status, body } = answer(pgFailure(code, message));
    expect(status).toBe(409);
    expect(body).toMatchObject({ status: 409, code: 'CONFLICT', instance: '/api/v1/waivers' });
    expect(body.detail).toMatch(/stored nothing; retry it/);
    expect(JSON.stringify(body)).not.toContain(message);
  });

  it('answers an unreachable database with 503 and any other database error with 500, never its text', () => {
    expect(answer(pgFailure('57P01', 'terminating connection due to administrator command')).status).toBe(
      503,
    );
    const other = answer(pgFailure('42P01', 'relation "waivers" does not exist'));
    expect(other).toEqual({
      status: 500,
      body: expect.objectContaining({ code: 'INTERNAL', detail: 'Internal error' }) as unknown,
    });
  });
});

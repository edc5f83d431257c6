import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
  httpServer,
} from '@driftwatch/test/test-app';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  fields?: { field: string; reason: string }[];
}

const PAN = '4111111111111111';

/** Every error, whoever raises it (a service, Nest, a body parser, a guard), is an RFC 9457 problem. */
describe('errors as RFC 9457 problem details', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: { admin: string; auditor: string };

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'api');
    keys = await keysForRoles(app, ['admin', 'auditor']);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));
  const admin = { Authorization: () => `Bearer ${keys.admin}` };

  function expectProblem(res: request.Response, status: number, code: string): Problem {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.text) as Problem;
    expect(body).toMatchObject({ status, code, title: expect.any(String), detail: expect.any(String) });
    expect(body.type).toBe(`https://driftwatch.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`);
    expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/); // never a stack
    return body;
  }

  it('answers bad input with 400, the request path as instance and the fields', async () => {
    const res = await http()
      .post('/api/v1/scopes?probe=1')
      .set('Authorization', admin.Authorization())
      .send({ name: 'x', targets: ['127.0.0.1;id'], ports: [22] });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.instance).toBe('/api/v1/scopes');
    expect(body.title).toBe('Validation failed');
    expect(body.fields?.[0]?.field).toBe('targets[0]');
  });

  it('answers an unknown route with 404 without repeating the query or a card number in the path', async () => {
    const res = await http()
      .get(`/api/v1/nothing-here/${PAN}?secret=${PAN}`)
      .set('Authorization', admin.Authorization());
    const body = expectProblem(res, 404, 'NOT_FOUND');
    expect(res.text).not.toContain(PAN);
    expect(res.text).not.toContain('secret');
    expect(body.instance).toMatch(/^\/api\/v1\/nothing-here\/411111\*+1111$/);
  });

  it('answers a missing key with 401 and WWW-Authenticate, a wrong role with 403', async () => {
    const missing = await http().get('/api/v1/scopes');
    expectProblem(missing, 401, 'UNAUTHENTICATED');
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const forbidden = await http()
      .post('/api/v1/api-keys')
      .set('Authorization', `Bearer ${keys.auditor}`)
      .send({ name: 'n', role: 'auditor' });
    expectProblem(forbidden, 403, 'FORBIDDEN');
  });

  it('answers a missing resource with 404 and a malformed id with 400 naming the parameter', async () => {
    expectProblem(
      await http()
        .get('/api/v1/scopes/00000000-0000-4000-8000-000000000000')
        .set('Authorization', admin.Authorization()),
      404,
      'NOT_FOUND',
    );
    const malformed = expectProblem(
      await http().get('/api/v1/scopes/not-a-uuid').set('Authorization', admin.Authorization()),
      400,
      'VALIDATION_FAILED',
    );
    expect(malformed.fields).toEqual([{ field: 'id', reason: 'must be a UUID' }]);
    const nested = expectProblem(
      await http()
        .get('/api/v1/findings/1%27%20OR%201=1/timeline')
        .set('Authorization', admin.Authorization()),
      400,
      'VALIDATION_FAILED',
    );
    expect(nested.fields).toEqual([{ field: 'id', reason: 'must be a UUID' }]);
  });

  it('answers malformed JSON with 400 naming the body, without echoing a card number', async () => {
    const res = await http()
      .post('/api/v1/scopes')
      .set('Authorization', admin.Authorization())
      .set('Content-Type', 'application/json')
      .send(`{"name": ${PAN}x`);
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.fields?.[0]?.field).toBe('body');
    expect(res.text).not.toContain(PAN);
  });

  it('answers an over-limit body with 413 and a body of another media type with 415', async () => {
    const huge = { name: 'x'.repeat(2 * 1024 * 1024), targets: ['127.0.0.1'], ports: [22] };
    expectProblem(
      await http().post('/api/v1/scopes').set('Authorization', admin.Authorization()).send(huge),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    const text = await http()
      .post('/api/v1/scopes')
      .set('Authorization', admin.Authorization())
      .set('Content-Type', 'text/plain')
      .send('name=x');
    const body = expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(body.fields?.[0]?.field).toBe('Content-Type');
    expectProblem(
      await http()
        .post('/api/v1/scopes')
        .set('Authorization', admin.Authorization())
        .type('form')
        .send('name=x&targets=127.0.0.1'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('answers an unauthenticated large-body upload with 401 before reading it', async () => {
    const res = await http()
      .put('/api/v1/policies')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ files: [{ path: 'x', content: 'y'.repeat(4 * 1024 * 1024) }] }));
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it.each([
    ['a repeated query parameter', '/api/v1/findings?limit=1&limit=2', 'limit'],
    ['a huge number', '/api/v1/findings?limit=1e400', 'limit'],
    ['NaN', '/api/v1/findings?offset=NaN', 'offset'],
    ['a __proto__ key', '/api/v1/findings?__proto__[admin]=1', '__proto__'],
    ['a constructor key', '/api/v1/scopes?constructor[prototype][admin]=1', 'constructor'],
    ['a NUL in a path parameter', '/api/v1/config-schemas/a%00b', 'name'],
    ['a malformed policy version', '/api/v1/policies/versions/..%2F..%2Fetc%2Fpasswd', 'version'],
  ])('answers %s with 400 naming it', async (_what, path, field) => {
    const res = await http().get(path).set('Authorization', admin.Authorization());
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.fields?.map((f) => f.field)).toContainEqual(expect.stringContaining(field));
  });

  // ISO 8601 forms JavaScript's Date cannot read were a 500; a time without its offset was read
  // in the server's own time zone; microseconds were cut to milliseconds.
  it('answers a time that is not RFC 3339 with its offset (to the millisecond) with 400 naming it, on every time parameter', async () => {
    const scope = '00000000-0000-4000-8000-000000000001';
    const parameters: [string, string][] = [
      ['/api/v1/findings', 'firstFailedFrom'],
      ['/api/v1/findings', 'firstFailedTo'],
      ['/api/v1/findings', 'lastSeenFrom'],
      ['/api/v1/findings', 'lastSeenTo'],
      ['/api/v1/changes', 'since'],
      ['/api/v1/changes', 'until'],
      [`/api/v1/scopes/${scope}/state`, 'at'],
      [`/api/v1/scopes/${scope}/changes`, 'since'],
      [`/api/v1/assets`, 'asOf'],
      ['/api/v1/audit', 'from'],
      ['/api/v1/audit', 'to'],
      ['/api/v1/exports/findings.csv', 'lastSeenFrom'],
      ['/api/v1/exports/changes.csv', 'since'],
    ];
    const times = [
      '2026-W48',
      '2026-W48-1',
      '2026-328',
      '20261101T000000Z',
      '2026-11-01T00:00:00,5Z',
      '2026-11-01T00:00:00',
      '2026-11-01T01:00:00.000001Z',
      '2026-02-30T00:00:00Z',
      '2026-11-01T24:00:00Z',
      // Year 10000 once in UTC: the API would write it back as "+010000-01-01T11:59:59.000Z".
      '9999-12-31T23:59:59-12:00',
    ];
    for (const [path, parameter] of parameters) {
      for (const time of times) {
        const res = await http()
          .get(path)
          .query({ [parameter]: time })
          .set('Authorization', admin.Authorization());
        expect([path, parameter, time, res.status]).toEqual([path, parameter, time, 400]);
        const body = expectProblem(res, 400, 'VALIDATION_FAILED');
        expect(body.fields?.map((f) => f.field)).toContain(parameter);
      }
    }
    for (const time of [
      '2026-11-01',
      '2026-11-01T00:00:00Z',
      '2026-11-01T09:00:00.123+09:00',
      '9999-12-31T23:59:59+14:00',
      '0050-06-15T00:00:00Z',
    ]) {
      await http()
        .get('/api/v1/findings')
        .query({ lastSeenFrom: time })
        .set('Authorization', admin.Authorization())
        .expect(200);
    }
  });

  it('answers an offset past the end of any list with 400 naming it, not a 500 from PostgreSQL', async () => {
    for (const path of ['/api/v1/scopes', '/api/v1/context/versions']) {
      const res = await http()
        .get(`${path}?offset=100000000000000000000`)
        .set('Authorization', admin.Authorization());
      expect(expectProblem(res, 400, 'VALIDATION_FAILED').fields?.map((f) => f.field)).toEqual(['offset']);
    }
  });

  // JSON.stringify writes a lone surrogate as "\\ud800", which jsonb refuses: the audit entry of
  // a baseline note or waiver text holding one was a 500.
  it('answers a string or key holding a lone UTF-16 surrogate with 400 naming it', async () => {
    const post = (json: string) =>
      http()
        .post('/api/v1/scopes')
        .set('Authorization', admin.Authorization())
        .set('Content-Type', 'application/json')
        .send(json);
    for (const [json, field, reason] of [
      ['{"name":"a\\ud800b","targets":["127.0.0.1"],"ports":[22]}', 'name', /lone UTF-16 surrogate/],
      ['{"name":"ok","targets":["127.0.0.1"],"ports":[22],"tags":{"\\udc00":1}}', 'tags', /well-formed/],
    ] as const) {
      const body = expectProblem(await post(json), 400, 'VALIDATION_FAILED');
      expect(body.fields).toEqual([{ field, reason: expect.stringMatching(reason) as string }]);
    }
    // A well-formed pair is one character: not what is refused (a scope name is refused for its
    // characters, whatever they are).
    const pair = await post('{"name":"pair \\ud83d\\ude00","targets":["127.0.0.1"],"ports":[22]}');
    expect(JSON.stringify(pair.body)).not.toMatch(/surrogate|well-formed/);
  });

  it('answers a body with a __proto__ or constructor key with 400 naming it', async () => {
    for (const key of ['__proto__', 'constructor']) {
      const res = await http()
        .post('/api/v1/scopes')
        .set('Authorization', admin.Authorization())
        .set('Content-Type', 'application/json')
        .send(`{"name":"proto","targets":["127.0.0.1"],"ports":[22],"${key}":{"prototype":{"admin":true}}}`);
      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.fields?.map((f) => f.field)).toContain(key);
    }
  });

  it('answers headers too large for the HTTP parser with a 431 problem', async () => {
    const res = await http().get('/api/v1/scopes').set('X-Padding', 'x'.repeat(20_000));
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ status: 431 });
  });

  it('answers /docs without a key with a 401 problem', async () => {
    const res = await http().get('/docs');
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
  });
});

import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INestApplication } from '@nestjs/common';

import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
  httpServer,
} from '@driftwatch/test/test-app';

import { type RouteEntry, routeTable } from './route-table';

/** Deterministic PRNG (mulberry32): the same seed sends the same requests. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const REQUESTS = 1200;
const CONCURRENCY = 8;

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE scopes; --",
  '1; SELECT pg_sleep(10)',
  '{"$ne": null}',
  '{"$where": "sleep(1000)"}',
  '$(id)',
  '`reboot`',
  '| cat /etc/passwd',
  '; rm -rf /',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  '-oN /tmp/x',
  '--script=evil',
  '127.0.0.1 -sV',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\uffff\ufffe',
  'ＡＢＣ',
  '%00',
  '4111111111111111',
];

const TRAVERSALS = [
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%252f..%252fetc%252fpasswd',
  '....//....//etc/passwd',
  '..\\..\\windows\\win.ini',
  '%c0%ae%c0%ae%2f',
];

/** Path parameter values: malformed, and valid-looking but absent. */
const PATH_VALUES = [
  ...TRAVERSALS,
  '%00',
  'a%00b',
  '%FF%FE',
  '%E2%82',
  '%',
  '%zz',
  "'%20OR%20'1'%3D'1",
  '%24(id)',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  '-1',
  '1e309',
  '99999999999999999999999',
  'x'.repeat(3000),
  '00000000-0000-4000-8000-000000000000',
  'ffffffff-ffff-4fff-bfff-ffffffffffff',
  '00000000-0000-0000-0000-000000000000',
  '127.0.0.1',
  '::1',
  '999.999.999.999',
  'zones',
  'nope',
  'a'.repeat(64),
  '0'.repeat(64),
  '4111111111111111',
];

const FIELDS = [
  'name',
  'targets',
  'ports',
  'approvedPorts',
  'schedule',
  'vantage',
  'role',
  'findingId',
  'justification',
  'approver',
  'expiresAt',
  'kind',
  'asset',
  'collectedAt',
  'content',
  'files',
  'zones',
  'reference',
  'note',
  'schema',
  'path',
  'networks',
  'classification',
  'scanTimeoutSeconds',
  'hostTimeoutSeconds',
  'nseScripts',
  '__proto__',
  'constructor',
  'prototype',
];

const QUERY_NAMES = [
  'limit',
  'offset',
  'cursor',
  'scope',
  'severity',
  'status',
  'asOf',
  'since',
  'until',
  'from',
  'to',
  'at',
  'asset',
  'requirement',
  'kind',
  'inForce',
  'newSinceBaseline',
  'subjectType',
  'subjectId',
  'action',
  'actor',
  '__proto__',
  '__proto__[admin]',
  'constructor[prototype][admin]',
  'unknown',
];

/** Every byte of the UTF-8 form percent-encoded (a lone surrogate too, unlike encodeURIComponent). */
const percentEncoded = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  label: string;
}

interface FuzzResponse {
  status: number;
  contentType: string;
  text: string;
}

/**
 * ≥1,000 generated malformed requests over every route of the route table, as an admin (so they
 * get past authentication and reach validation), with a fixed seed so any failure replays:
 * wrong types, huge and deeply nested bodies, invalid JSON, bad UTF-8, NUL bytes, injection
 * strings, path traversal, huge numbers, arrays for scalars, wrong media types, over-limit
 * bodies. Not one may answer 5xx; every error is a problem document whose status is the HTTP
 * status; afterwards the app is healthy and serves a normal request.
 */
describe('fuzzing every route with malformed requests', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let admin: string;
  let port: number;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'api');
    admin = (await keysForRoles(app, ['admin'])).admin;
    port = (httpServer(app).address() as AddressInfo).port;

    console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  });

  afterAll(async () => {
    agent.destroy();
    await app?.close();
    await env?.cleanup();
  });

  function send(req: FuzzRequest): Promise<FuzzResponse> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      // The server may answer (413, 415, 401) before it reads an over-limit body.
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  }

  function generate(routes: RouteEntry[], seed: number): FuzzRequest[] {
    const random = prng(seed);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)];
    const chance = (p: number) => random() < p;

    const scalar = (): unknown =>
      pick<() => unknown>([
        () => pick(INJECTIONS),
        () => pick(TRAVERSALS),
        () => 'x'.repeat(pick([0, 1, 256, 5000, 100_000])),
        () => pick([0, -1, 1.5, -0, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, 65536, 70000]),
        () => pick([true, false, null]),
        () => pick(['NaN', 'Infinity', '-Infinity', '1e400', '0x10', '', ' ', '2026-13-45T99:99:99Z']),
        () => [pick(INJECTIONS), int(100)],
        () => ({ [pick(FIELDS)]: pick(INJECTIONS) }),
      ])();

    const value = (depth: number): unknown => {
      if (depth > 3 || chance(0.6)) return scalar();
      if (chance(0.5)) return Array.from({ length: int(4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(FIELDS), value(depth + 1)]));
    };

    const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

    const bodies: [string, () => { body: Buffer; type: string }][] = [
      [
        'wrong-typed fields',
        () => ({
          body: json(Object.fromEntries(FIELDS.slice(0, 8).map((f) => [f, scalar()]))),
          type: 'application/json',
        }),
      ],
      ['random object', () => ({ body: json(value(0)), type: 'application/json' })],
      [
        'arrays for scalars',
        () => ({
          body: json(Object.fromEntries(FIELDS.map((f) => [f, [scalar(), scalar()]]))),
          type: 'application/json',
        }),
      ],
      [
        'top-level scalar',
        () => ({
          body: Buffer.from(pick(['1', '"x"', 'null', 'true', '1e400', '-0'])),
          type: 'application/json',
        }),
      ],
      ['top-level array', () => ({ body: json([value(0), value(0)]), type: 'application/json' })],
      [
        'deeply nested object',
        () => ({
          body: Buffer.from(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
          type: 'application/json',
        }),
      ],
      [
        'deeply nested array',
        () => ({ body: Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), type: 'application/json' }),
      ],
      [
        'invalid JSON',
        () => ({
          body: Buffer.from(
            pick([
              '{',
              '{"a":}',
              "{'a':1}",
              '{"a":1,}',
              'NaN',
              '{"a":1}garbage',
              '\u0000',
              '{"a":"\\x"}',
              '{"a":"\\ud800"}',
            ]),
          ),
          type: 'application/json',
        }),
      ],
      [
        'bad UTF-8 bytes',
        () => ({
          body: Buffer.concat([
            Buffer.from('{"name":"'),
            Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]),
            Buffer.from('"}'),
          ]),
          type: 'application/json',
        }),
      ],
      [
        'NUL bytes',
        () => ({
          body: Buffer.from(
            `{"${pick(FIELDS)}":"a\\u0000b","name":"n\\u0000","targets":["127.0.0.1\\u0000"],"content":"x\\u0000"}`,
          ),
          type: 'application/json',
        }),
      ],
      [
        'prototype pollution',
        () => ({
          body: Buffer.from(
            pick([
              '{"__proto__":{"admin":true}}',
              '{"constructor":{"prototype":{"admin":true}}}',
              '{"name":"x","__proto__":{"role":"admin"}}',
              '{"files":[{"__proto__":{"x":1}}]}',
            ]),
          ),
          type: 'application/json',
        }),
      ],
      [
        'huge numbers',
        () => ({
          body: Buffer.from(
            `{"limit":1e400,"ports":[1e400,-1e400,99999999999999999999],"scanTimeoutSeconds":1e308,"name":${pick(['1e400', '-0', '123456789012345678901234567890'])}}`,
          ),
          type: 'application/json',
        }),
      ],
      [
        'injection strings',
        () => ({
          body: json(Object.fromEntries(FIELDS.map((f) => [f, pick(INJECTIONS)]))),
          type: 'application/json',
        }),
      ],
      [
        'wrong media type',
        () => ({
          body: Buffer.from('name=x&targets=127.0.0.1'),
          type: pick([
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/octet-stream',
            'application/json; charset=utf-16',
            'application/json; charset=latin1',
            'text/html',
            'image/png',
            'application/xml',
            'application/yaml',
          ]),
        }),
      ],
      [
        'over-limit body',
        () => ({
          body: Buffer.from(JSON.stringify({ name: 'x'.repeat(1_100_000) })),
          type: 'application/json',
        }),
      ],
      [
        'YAML garbage',
        () => ({
          body: Buffer.from(
            pick([
              'a: [',
              '!!js/function "x"',
              '&a [*a]',
              'a: &x\n  b: *x\n',
              `${'- '.repeat(5000)}x`,
              '? ? ? x',
            ]),
          ),
          type: 'application/yaml',
        }),
      ],
      [
        'XML garbage',
        () => ({
          body: Buffer.from(
            pick([
              '<nmaprun',
              '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><nmaprun>&b;</nmaprun>',
              '\u0000\u0001',
              '<nmaprun><host><address addr="../../x"/></host></nmaprun>',
            ]),
          ),
          type: 'application/xml',
        }),
      ],
    ];

    const query = (): string => {
      if (chance(0.3)) return '';
      const parts = Array.from({ length: 1 + int(4) }, () => {
        const name = pick(QUERY_NAMES);
        const raw = pick([
          ...PATH_VALUES.slice(0, 20),
          '1e400',
          'NaN',
          '-5',
          '99999999999999999999',
          '0.5',
          'critical,high,,,',
          'open',
          `${'x'.repeat(4000)}`,
          '2026-02-30T00:00:00Z',
          percentEncoded(pick(INJECTIONS)),
        ]);
        const pair = `${encodeURIComponent(name).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${raw}`;
        return chance(0.2) ? `${pair}&${pair}` : pair; // a repeated name arrives as an array
      });
      return `?${parts.join('&')}`;
    };

    const requests: FuzzRequest[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const route = routes[i % routes.length];
      // Half the time a parameter looks valid (and names nothing), so the body reaches validation.
      const plausible: Record<string, () => string> = {
        ':id': () => `${int(0xffffffff).toString(16).padStart(8, '0')}-0000-4000-8000-${'0'.repeat(12)}`,
        ':section': () => pick(['zones', 'declaredAssets', 'approvedChanges']),
        ':address': () => pick(['127.0.0.1', '10.0.0.1', '::1']),
        ':name': () => 'not-registered',
        ':version': () => 'f'.repeat(64),
      };
      const path = route.path.replace(/:[A-Za-z]+/g, (param) =>
        chance(0.5) && plausible[param] ? plausible[param]() : pick(PATH_VALUES),
      );
      const headers: Record<string, string> = { authorization: `Bearer ${admin}` };
      let label = 'no body';
      let body: Buffer | undefined;
      if (route.method !== 'GET' || chance(0.1)) {
        const [name, make] = pick(bodies);
        const made = make();
        body = made.body;
        headers['content-type'] = made.type;
        headers['content-length'] = String(body.length);
        label = name;
      }
      if (chance(0.03)) {
        headers.authorization = pick([
          'Bearer',
          'Bearer ',
          `Bearer ${'x'.repeat(4000)}`,
          'Basic Og==',
          `Bearer dw_${'\u00ff'.repeat(10)}`,
        ]);
        label += ', malformed key';
      }
      requests.push({ method: route.method, path: `${path}${query()}`, headers, body, label });
    }
    return requests;
  }

  it(`answers ${REQUESTS} malformed requests across every route without a 5xx, each error a problem document`, async () => {
    const routes = routeTable();
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const requests = generate(routes, SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const req = requests[next++];
        const where = `#${requests.indexOf(req)} ${req.method} ${req.path.slice(0, 120)} (${req.label})`;
        try {
          const res = await send(req);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) failures.push(`${where}: ${res.status} ${res.text.slice(0, 300)}`);
          else if (res.status >= 400) {
            if (!res.contentType.startsWith('application/problem+json')) {
              failures.push(`${where}: ${res.status} answered as ${res.contentType}`);
            } else {
              const body = JSON.parse(res.text) as { status?: unknown; code?: unknown };
              if (body.status !== res.status || typeof body.code !== 'string') {
                failures.push(`${where}: problem status ${String(body.status)} on HTTP ${res.status}`);
              }
            }
          }
        } catch (error: unknown) {
          failures.push(`${where}: no answer (${error instanceof Error ? error.message : String(error)})`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    console.log(
      `fuzz seed ${SEED}: answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    );
    expect(failures).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(1000);
  }, 120_000);

  it('stays healthy and serves a normal request afterwards', async () => {
    const health = await send({ method: 'GET', path: '/health', headers: {}, label: 'health' });
    expect(health.status).toBe(200);
    const body = Buffer.from(JSON.stringify({ name: 'after-fuzz', targets: ['127.0.0.1'], ports: [22] }));
    const created = await send({
      method: 'POST',
      path: '/api/v1/scopes',
      headers: {
        authorization: `Bearer ${admin}`,
        'content-type': 'application/json',
        'content-length': String(body.length),
      },
      body,
      label: 'valid scope',
    });
    expect(created.status).toBe(201);
    const id = (JSON.parse(created.text) as { id: string }).id;
    const read = await send({
      method: 'GET',
      path: `/api/v1/scopes/${id}`,
      headers: { authorization: `Bearer ${admin}` },
      label: 'read',
    });
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text)).toMatchObject({ name: 'after-fuzz' });
  });
});

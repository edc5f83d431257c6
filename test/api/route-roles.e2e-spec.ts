import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import { DataSource } from 'typeorm';

import {
  ApiKeyService,
  ConfigDocumentService,
  ConfigSchemaService,
  EvaluationService,
  WaiverService,
  WebhookService,
} from '@driftwatch/application';
import { type Role, ROLES, SnapshotRepository } from '@driftwatch/persistence';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  TEST_ACTOR,
  type TestEnvironment,
  httpServer,
} from '@driftwatch/test/test-app';
import { activePolicyVersion, shippedPolicyFiles } from '@driftwatch/test/policy-pack';

import { type RouteEntry, routeTable } from './route-table';

/** A minimal nmap XML document for the import route: one host of the test scopes (127.0.0.1). */
const IMPORT_XML = `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -p 23 127.0.0.1" start="1790000000" version="7.93" xmloutputversion="1.05">
<host><status state="up" reason="localhost-response"/><address addr="127.0.0.1" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="23"><state state="closed" reason="reset"/></port></ports></host>
<runstats><finished time="1790000001" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
`;

// A firewall ruleset: the document routes include its exposure.
const RULESET =
  '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n';
const ADMIN = { keyId: '00000000-0000-4000-8000-000000000001', name: 'test', role: 'admin' } as const;
const uniqueName = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2)}`;

/**
 * Walks every route of the route table with every role. The table is read from the
 * controllers, so a route added later without a declared role fails here.
 */
describe('access control: every route × every role', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<Role, string>;
  const routes = routeTable();

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'api');
    keys = await keysForRoles(app, ROLES);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));

  /** Real resources for each call, so an allowed call can succeed (and a DELETE removes something real). */
  async function newScope(): Promise<string> {
    const res = await http()
      .post('/api/v1/scopes')
      .set('Authorization', `Bearer ${keys.admin}`)
      .send({ name: `scope-${Math.random().toString(36).slice(2)}`, targets: ['127.0.0.1'], ports: [23] });
    return (res.body as { id: string }).id;
  }

  async function newScan(scopeId: string): Promise<string> {
    const scan = await http()
      .post(`/api/v1/scopes/${scopeId}/scans`)
      .set('Authorization', `Bearer ${keys.admin}`);
    return (scan.body as { id: string }).id;
  }

  /** A stored snapshot, written as the worker writes it (this app runs no worker). */
  async function newSnapshot(): Promise<string> {
    const scopeId = await newScope();
    const scanId = await newScan(scopeId);
    const snapshot = await app.get(DataSource).transaction((manager) =>
      app.get(SnapshotRepository).insert(
        {
          scopeId,
          scanId,
          vantage: 'default',
          takenAt: new Date(),
          contentHash: 'a'.repeat(64),
          seq: 1,
          missingTargets: [],
          run: { scanner: 'nmap', hostsUp: 0, hostsDown: 0, hostsTotal: 0 },
          hostCount: 0,
          openPortCount: 0,
        },
        manager,
      ),
    );
    return snapshot.id;
  }

  /** A snapshot evaluated as the worker evaluates it (this app runs no worker), in its own scope. */
  async function evaluatedSnapshot(): Promise<{ scopeId: string; snapshotId: string }> {
    const snapshotId = await newSnapshot();
    const [snapshot] = await app
      .get(DataSource)
      .query<{ scan_id: string; scope_id: string }[]>(
        `SELECT scan_id, scope_id FROM snapshots WHERE id = $1`,
        [snapshotId],
      );
    await app.get(EvaluationService).evaluateSnapshot(snapshot.scan_id, snapshotId);
    return { scopeId: snapshot.scope_id, snapshotId };
  }

  /** A recorded evaluation of a new snapshot. */
  async function newEvaluation(): Promise<string> {
    const { snapshotId } = await evaluatedSnapshot();
    const [row] = await app
      .get(DataSource)
      .query<{ id: string }[]>(`SELECT id FROM evaluations WHERE snapshot_id = $1`, [snapshotId]);
    return row.id;
  }

  /** An open finding, written as an evaluation writes it. */
  async function newFinding(): Promise<string> {
    const { scopeId, snapshotId } = await evaluatedSnapshot();
    const [row] = await app.get(DataSource).query<[{ id: string }]>(
      `INSERT INTO findings (scope_id, fingerprint, rule_id, title, requirements, severity, asset, subject, message,
         evidence, status, first_seen_at, last_seen_at, first_snapshot_id, last_snapshot_id, policy_version)
       VALUES ($1, md5(random()::text) || md5(random()::text), 'test.rule', 't', '{}', 'high', '127.0.0.1', 'tcp/23',
         'm', '{}', 'open', now(), now(), $2, $2, 'v') RETURNING id`,
      [scopeId, snapshotId],
    );
    return row.id;
  }

  /** Real resources for each call, so an allowed call can succeed (and a DELETE removes something real). */
  async function prepare(
    route: RouteEntry,
  ): Promise<{ path: string; body?: object; query?: object; xml?: string }> {
    let id = '00000000-0000-4000-8000-000000000000';
    let findingId: string | undefined;
    let evaluateScope: string | undefined;
    let schemaName = '';
    if (route.path.includes('/scopes/:id/baselines')) id = (await evaluatedSnapshot()).scopeId;
    else if (route.path.includes('/scopes/:id')) id = await newScope();
    else if (route.path.includes('/findings/:id')) id = await newFinding();
    else if (route.path.includes('/webhooks/:id')) {
      // Nothing is sent: this app runs no worker, and a .invalid host never resolves anyway.
      const webhook = await app
        .get(WebhookService)
        .create(
          await newScope(),
          { url: 'https://hooks.invalid/route-roles', events: ['drift.detected'] },
          ADMIN,
        );
      id = webhook.id;
    } else if (route.path.includes('/waivers/:id')) {
      const waiver = await app.get(WaiverService).create(
        {
          findingId: await newFinding(),
          justification: 'route test exception',
          approver: 'test',
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        },
        { keyId: '00000000-0000-4000-8000-000000000001', name: 'test', role: 'admin' },
      );
      id = waiver.id;
    } else if (route.path === '/api/v1/waivers' && route.method === 'POST') findingId = await newFinding();
    else if (route.path === '/api/v1/evaluate') evaluateScope = await newScope();
    else if (route.path.includes('/config-documents/:id')) {
      const submitted = await app.get(ConfigDocumentService).submit(
        await newScope(),
        {
          kind: 'iptables-save',
          asset: '127.0.0.1',
          collectedAt: new Date().toISOString(),
          content: RULESET,
        },
        ADMIN,
      );
      id = submitted.document.id;
    } else if (route.path.includes('/config-schemas/:name')) {
      schemaName = uniqueName('schema');
      await app.get(ConfigSchemaService).register({ name: schemaName, schema: { type: 'object' } }, ADMIN);
    } else if (route.path.includes('/scans/:id')) id = await newScan(await newScope());
    else if (route.path.includes('/snapshots/:id')) id = await newSnapshot();
    else if (route.path.includes('/evaluations/:id')) id = await newEvaluation();
    else if (route.path.includes('/api-keys/:id')) {
      id = (await app.get(ApiKeyService).create({ name: 'to-revoke', role: 'auditor' }, TEST_ACTOR)).id;
    }
    const path = route.path
      .replace(':id', id)
      .replace(':address', '127.0.0.1')
      .replace(':section', 'zones')
      .replace(':name', schemaName)
      .replace(':version', route.path.includes(':version') ? await activePolicyVersion(app) : '');
    const key = `${route.method} ${route.path}`;
    const bodies: Record<string, object> = {
      'POST /api/v1/scopes': {
        name: `scope-${Math.random().toString(36).slice(2)}`,
        targets: ['127.0.0.1'],
        ports: [22],
      },
      'PATCH /api/v1/scopes/:id': { approvedPorts: [22] },
      'POST /api/v1/evaluate': { scope: evaluateScope, nmapXml: IMPORT_XML },
      'POST /api/v1/api-keys': { name: 'created-in-test', role: 'auditor' },
      'PUT /api/v1/policies': { files: shippedPolicyFiles() },
      'PUT /api/v1/context': {
        zones: [{ name: 'lab', networks: ['127.0.0.0/8'], classification: 'internal' }],
      },
      'POST /api/v1/waivers': {
        findingId,
        justification: 'route test exception',
        approver: 'test',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
      'POST /api/v1/scopes/:id/baselines': { note: 'route test' },
      'PUT /api/v1/context/:section': [
        { name: 'lab', networks: ['127.0.0.0/8'], classification: 'internal' },
      ],
      'POST /api/v1/context/approved-changes': { reference: 'CHG-1', targets: ['127.0.0.0/8'] },
      'POST /api/v1/scopes/:id/config': {
        kind: 'login-defs',
        asset: '127.0.0.1',
        collectedAt: new Date().toISOString(),
        content: 'PASS_MIN_LEN 12\n',
      },
      'POST /api/v1/config-schemas': { name: uniqueName('schema'), schema: { type: 'object' } },
      'POST /api/v1/scopes/:id/webhooks': {
        url: 'https://hooks.example.com/driftwatch',
        events: ['finding.opened'],
      },
      'PATCH /api/v1/webhooks/:id': { enabled: false },
    };
    const scoped = ['GET /api/v1/assets', 'GET /api/v1/exports/changes.csv', 'GET /api/v1/gate'];
    const query = scoped.includes(key) ? { scope: await newScope() } : undefined;
    const xml = key === 'POST /api/v1/scopes/:id/snapshots' ? IMPORT_XML : undefined;
    return { path, body: bodies[key], query, xml };
  }

  function send(
    route: RouteEntry,
    path: string,
    body: object | undefined,
    key: string | undefined,
    query?: object,
    xml?: string,
  ) {
    const agent = http();
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete' | 'put';
    let req = agent[method](path);
    if (query) req = req.query(query);
    if (key !== undefined) req = req.set('Authorization', `Bearer ${key}`);
    if (xml) return req.set('Content-Type', 'application/xml').send(xml);
    return body ? req.send(body) : req;
  }

  it('finds the routes of every controller', () => {
    expect(routes.length).toBeGreaterThanOrEqual(12);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'GET /health',
        'GET /metrics',
        'POST /api/v1/scopes',
        'GET /api/v1/findings',
        'GET /api/v1/exports/findings.csv',
        'GET /api/v1/exports/changes.csv',
        'GET /api/v1/gate',
        'GET /api/v1/audit/verify',
        'GET /api/v1/evaluations/:id/oscal',
        'GET /api/v1/evaluations/:id/evidence',
      ]),
    );
  });

  it('every route declares its roles, and only /health is public', () => {
    const undeclared = routes
      .filter((r) => !r.isPublic && !r.roles?.length)
      .map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
    expect(routes.filter((r) => r.isPublic).map((r) => r.path)).toEqual(['/health']);
  });

  describe.each(routeTable().map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_name, route) => {
    if (route.isPublic) {
      it('answers without a key', async () => {
        const { path } = await prepare(route);
        const res = await send(route, path, undefined, undefined);
        expect(res.status).toBe(200);
      });
      return;
    }

    it('refuses a request without a key with 401', async () => {
      const { path, body } = await prepare(route);
      const res = await send(route, path, body, undefined);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it('refuses a malformed or unknown key with 401', async () => {
      const { path, body } = await prepare(route);
      expect((await send(route, path, body, 'not-a-key')).status).toBe(401);
      const forged = `dw_0123456789abcdef_${'A'.repeat(43)}`;
      expect((await send(route, path, body, forged)).status).toBe(401);
    });

    it.each(ROLES.map((role) => [role]))('role %s gets its answer', async (role) => {
      const { path, body, query, xml } = await prepare(route);
      const res = await send(route, path, body, keys[role], query, xml);
      if (route.roles?.includes(role)) {
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(300);
      } else {
        expect(res.status).toBe(403);
        expect((res.body as { code: string }).code).toBe('FORBIDDEN');
      }
    });
  });

  it('a revoked key is refused with 401', async () => {
    const created = await app.get(ApiKeyService).create({ name: 'short-lived', role: 'admin' }, TEST_ACTOR);
    const auth = { Authorization: `Bearer ${created.secret}` };
    expect((await http().get('/api/v1/findings').set(auth)).status).toBe(200);
    await http()
      .delete(`/api/v1/api-keys/${created.id}`)
      .set('Authorization', `Bearer ${keys.admin}`)
      .expect(200);
    expect((await http().get('/api/v1/findings').set(auth)).status).toBe(401);
  });

  it('key listings never reveal secrets or their hashes', async () => {
    const res = await http().get('/api/v1/api-keys').set('Authorization', `Bearer ${keys.admin}`).expect(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/secret/i);
    for (const key of Object.values(keys))
      expect(text).not.toContain(key.slice('dw_0123456789abcdef_'.length));
  });

  it('the OpenAPI docs need a key too (bearer, or basic with the key as password)', async () => {
    expect((await http().get('/docs-json')).status).toBe(401);
    const bearer = await http().get('/docs-json').set('Authorization', `Bearer ${keys.auditor}`);
    expect(bearer.status).toBe(200);
    expect((bearer.body as { openapi: string }).openapi).toMatch(/^3\./);
    const basic = Buffer.from(`anyone:${keys.ci}`).toString('base64');
    expect((await http().get('/docs-json').set('Authorization', `Basic ${basic}`)).status).toBe(200);
  });

  // A client generated from the document sent approvedPorts as strings, which validation refuses.
  it('the OpenAPI docs type numeric lists as numbers: no example of numbers under string items', async () => {
    type Property = { type?: string; example?: unknown; items?: { type?: string; oneOf?: unknown[] } };
    const doc = (await http().get('/docs-json').set('Authorization', `Bearer ${keys.auditor}`)).body as {
      components: { schemas: Record<string, { properties?: Record<string, Property> }> };
    };
    const properties = Object.entries(doc.components.schemas).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {}).map(([property, p]) => ({ at: `${name}.${property}`, p })),
    );
    const mistyped = properties
      .filter(
        ({ p }) =>
          p.type === 'array' && Array.isArray(p.example) && p.example.some((v) => typeof v === 'number'),
      )
      .filter(({ p }) => p.items?.type === 'string' || (p.items?.type === undefined && !p.items?.oneOf))
      .map(({ at }) => at);
    expect(mistyped).toEqual([]);
    expect(properties.find(({ at }) => at === 'UpdateScopeDto.approvedPorts')?.p.items?.type).toBe('number');
  });
});

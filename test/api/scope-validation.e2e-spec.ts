import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import { NmapScanner } from '@driftwatch/application';
import { ScanQueue } from '@driftwatch/queue';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
  httpServer,
} from '@driftwatch/test/test-app';

const VALID = {
  name: 'valid',
  targets: ['127.0.0.1'],
  ports: [22, 23],
  approvedPorts: [22],
  // No schedule: the app under test runs a scheduler, and this file asserts nmap never starts.
  schedule: null,
};

/**
 * Bad scope input is refused with 400 naming the field, nothing is stored, nothing is queued and
 * nmap never starts. The app runs with its worker, so a queued scan would really reach nmap.
 */
describe('scope input validation', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let auth: { Authorization: string };
  let nmapCalls: jest.SpyInstance;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'standalone');
    auth = { Authorization: `Bearer ${(await keysForRoles(app, ['analyst'])).analyst}` };
    nmapCalls = jest.spyOn(app.get(NmapScanner), 'scan');
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));

  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    ['an invalid CIDR', 'targets[0]', { targets: ['10.0.0.0/33'] }, /prefix length above 32/],
    ['a CIDR with a bad address', 'targets[0]', { targets: ['300.1.2.0/24'] }, /not a valid CIDR/],
    ['a shell metacharacter target', 'targets[0]', { targets: ['127.0.0.1;id'] }, /may contain only/],
    ['an option-like target -oN', 'targets[0]', { targets: ['-oN out.txt'] }, /may contain only/],
    ['an option-like target --script', 'targets[0]', { targets: ['--script=x'] }, /may contain only/],
    [
      'a target with an embedded option',
      'targets[0]',
      { targets: ['127.0.0.1 --script=evil.nse'] },
      /may contain only/,
    ],
    ['a target starting with -', 'targets[0]', { targets: ['-sV'] }, /must not start with "-"/],
    ['a target outside the allowlist', 'targets[0]', { targets: ['192.0.2.10'] }, /outside the networks/],
    ['port 0', 'ports[0]', { ports: [0] }, /between 1 and 65535/],
    ['port 65536', 'ports[1]', { ports: [22, 65536] }, /between 1 and 65535/],
    ['a reversed range', 'ports[0]', { ports: ['100-10'] }, /high end below its low end/],
    ['a non-numeric port', 'ports[0]', { ports: ['ssh'] }, /not a port number/],
    ['an approved port out of range', 'approvedPorts[0]', { approvedPorts: [70000] }, /between 1 and 65535/],
    ['an unparsable cron expression', 'schedule', { schedule: 'every tuesday' }, /five-field cron/],
    ['an invalid cron field', 'schedule', { schedule: '61 * * * *' }, /not a valid cron expression/],
    ['targets that are not strings', 'targets', { targets: [42] }, /must be a string/],
    ['an unknown property', 'extra', { extra: true }, /should not exist/],
    ['an empty name', 'name', { name: '' }, /must be 1-100 characters/],
    ['a name ending in a space', 'name', { name: 'twice ' }, /not ending with a space/],
    ['a host timeout of 0', 'hostTimeoutSeconds', { hostTimeoutSeconds: 0 }, /integer from 1 to 86400/],
    [
      'a scan timeout too short to scan',
      'scanTimeoutSeconds',
      { scanTimeoutSeconds: 5 },
      /integer from 10 to/,
    ],
    ['a text scan timeout', 'scanTimeoutSeconds', { scanTimeoutSeconds: '60' }, /integer/],
    ['an unknown host discovery mode', 'hostDiscovery', { hostDiscovery: '-Pn' }, /ping, none/],
  ];

  it.each(cases)('refuses %s with 400 naming %s', async (_what, field, patch, reason) => {
    const res = await http()
      .post('/api/v1/scopes')
      .set(auth)
      .send({ ...VALID, ...patch });
    expect(res.status).toBe(400);
    const body = res.body as { code: string; fields: { field: string; reason: string }[]; detail: string };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.fields).toEqual(
      expect.arrayContaining([expect.objectContaining({ field, reason: expect.stringMatching(reason) })]),
    );
    expect(body.detail).toContain(field);
  });

  it('refuses the same input on update, leaving the scope unchanged', async () => {
    const created = await http().post('/api/v1/scopes').set(auth).send(VALID).expect(201);
    const id = (created.body as { id: string }).id;
    const res = await http()
      .patch(`/api/v1/scopes/${id}`)
      .set(auth)
      .send({ targets: ['127.0.0.1', '-oN out.txt'] });
    expect(res.status).toBe(400);
    expect((res.body as { fields: { field: string }[] }).fields[0]?.field).toBe('targets[1]');
    const after = await http().get(`/api/v1/scopes/${id}`).set(auth).expect(200);
    expect((after.body as { targets: string[] }).targets).toEqual(['127.0.0.1']);
    await http().delete(`/api/v1/scopes/${id}`).set(auth).expect(204);
  });

  it("keeps nmap's host discovery unless the scope turns it off, and a bad mode on update changes nothing", async () => {
    const created = await http().post('/api/v1/scopes').set(auth).send(VALID).expect(201);
    const id = (created.body as { id: string }).id;
    expect((created.body as { hostDiscovery: string }).hostDiscovery).toBe('ping');
    const off = await http()
      .patch(`/api/v1/scopes/${id}`)
      .set(auth)
      .send({ hostDiscovery: 'none' })
      .expect(200);
    expect((off.body as { hostDiscovery: string }).hostDiscovery).toBe('none');
    const bad = await http()
      .patch(`/api/v1/scopes/${id}`)
      .set(auth)
      .send({ hostDiscovery: 'off' })
      .expect(400);
    expect((bad.body as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual([
      'hostDiscovery',
    ]);
    const after = await http().get(`/api/v1/scopes/${id}`).set(auth).expect(200);
    expect((after.body as { hostDiscovery: string }).hostDiscovery).toBe('none');
    await http().delete(`/api/v1/scopes/${id}`).set(auth).expect(204);
  });

  it('stored nothing, queued nothing and never started nmap', async () => {
    const list = await http().get('/api/v1/scopes').set(auth).expect(200);
    expect((list.body as { page: { total: number } }).page.total).toBe(0);
    const depth = await app.get(ScanQueue).depth(['default']);
    expect(Object.values(depth['scan-default'] ?? {}).reduce((a, b) => a + b, 0)).toBe(0);
    expect(nmapCalls).not.toHaveBeenCalled();
  });

  it('refuses bad query parameters with 400 naming them', async () => {
    const res = await http().get('/api/v1/findings').query({ severity: 'urgent', limit: '0' }).set(auth);
    expect(res.status).toBe(400);
    const fields = (res.body as { fields: { field: string }[] }).fields.map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['severity', 'limit']));
    expect((await http().get('/api/v1/scopes/not-a-uuid').set(auth)).status).toBe(400);
  });

  it('refuses a second scope with the same name with 409', async () => {
    await http()
      .post('/api/v1/scopes')
      .set(auth)
      .send({ ...VALID, name: 'twice' })
      .expect(201);
    const res = await http()
      .post('/api/v1/scopes')
      .set(auth)
      .send({ ...VALID, name: 'twice' });
    expect(res.status).toBe(409);
    expect((res.body as { fields: { field: string }[] }).fields[0]?.field).toBe('name');
  });
});

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import type {
  FindingResponseDto,
  PolicyContextDocumentDto,
  PolicyContextVersionDto,
  PolicyContextVersionListDto,
} from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

type ErrorBody = { code: string; detail: string; fields?: { field: string; reason: string }[] };

/** nmap XML of hosts of 127.0.0.0/28 with open ports, finished at `finished` (unix seconds). */
function nmapXml(finished: number, hosts: { addr: string; ports: [number, string][] }[]): string {
  return `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sV 127.0.0.0/28" start="${finished - 5}" version="7.93" xmloutputversion="1.05">
${hosts
  .map(
    (h) => `<host><status state="up" reason="syn-ack"/><address addr="${h.addr}" addrtype="ipv4"/>
<ports>${h.ports
      .map(
        ([port, name]) =>
          `<port protocol="tcp" portid="${port}"><state state="open" reason="syn-ack"/><service name="${name}" method="probed" conf="10"/></port>`,
      )
      .join('')}</ports></host>`,
  )
  .join('\n')}
<runstats><finished time="${finished}" exit="success"/><hosts up="${hosts.length}" down="0" total="${hosts.length}"/></runstats>
</nmaprun>
`;
}

const DAY = 86_400;
const FIRST = 1_790_000_010;
const SECOND = FIRST + 40 * DAY;

/** The scope scans from zone "corp" into a CDE zone; corp may reach the CDE on tcp/443 only. */
const CONTEXT = {
  zones: [
    { name: 'cde', networks: ['127.0.0.0/28'], classification: 'cde' },
    { name: 'corp', networks: ['10.20.0.0/16'], classification: 'internal' },
  ],
  roles: [{ name: 'web', approvedPorts: ['tcp/443'] }],
  inventory: [
    { address: '127.0.0.5', name: 'pay-web', role: 'web' },
    { address: '127.0.0.9', name: 'pay-db', declaredAt: '2020-01-01T00:00:00.000Z' },
  ],
  flows: [{ from: 'corp', to: 'cde', ports: ['tcp/443'], reference: 'FW-1' }],
  approvedChanges: [],
};

/**
 * The policy context through the API (validated, versioned, JSON or YAML) and in evaluations:
 * the zone and flow matrix, the declared inventory with when each asset was last seen, and the
 * snapshot's changes all reach the rules.
 */
describe('policy context', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'analyst' | 'auditor' | 'scanner', string>;

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '127.0.0.0/8' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['analyst', 'auditor', 'scanner']);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });
  const get = async () =>
    (await http().get('/api/v1/context').set(as('auditor')).expect(200)).body as PolicyContextDocumentDto;
  const put = (body: object) => http().put('/api/v1/context').set(as('analyst')).send(body);

  it('is empty until one is stored', async () => {
    expect(await get()).toEqual({
      zones: [],
      roles: [],
      inventory: [],
      flows: [],
      approvedChanges: [],
      timeSources: [],
    });
  });

  it('refuses a bad document with 400 naming the field, and keeps the current one', async () => {
    const badCidr = await put({ zones: [{ name: 'cde', networks: ['10.0.0.0/33'], classification: 'cde' }] });
    expect(badCidr.status).toBe(400);
    expect((badCidr.body as ErrorBody).fields).toContainEqual({
      field: 'context.zones[0].networks[0]',
      reason: expect.stringContaining('not an IP address or CIDR block'),
    });

    const unknownZone = await put({ ...CONTEXT, flows: [{ from: 'corp', to: 'moon', ports: [443] }] });
    expect(unknownZone.status).toBe(400);
    expect((unknownZone.body as ErrorBody).fields).toContainEqual({
      field: 'context.flows[0].to',
      reason: 'no zone named "moon"',
    });

    const schema = await put({
      zones: [{ name: 'cde', networks: ['10.0.0.0/8'], classification: 'secret' }],
    });
    expect(schema.status).toBe(400);
    expect((schema.body as ErrorBody).fields?.[0]?.field).toBe('context.zones[0].classification');

    const scans = await put({ scans: [] });
    expect(scans.status).toBe(400);
    expect((scans.body as ErrorBody).fields?.[0]?.field).toBe('context.scans');

    const badYaml = await http()
      .put('/api/v1/context')
      .set(as('analyst'))
      .set('Content-Type', 'application/yaml')
      .send('zones:\n  - name: cde\n   networks: [1');
    expect(badYaml.status).toBe(400);
    expect((badYaml.body as ErrorBody).fields?.[0]?.reason).toMatch(
      /^YAML syntax error at line \d+, column \d+/,
    );

    const text = await http()
      .put('/api/v1/context')
      .set(as('analyst'))
      .set('Content-Type', 'text/plain')
      .send('x');
    expect(text.status).toBe(415);

    expect((await get()).zones).toEqual([]);
  });

  it('stores a valid document as a new version; YAML works too; GET returns the current one', async () => {
    const yaml = await http()
      .put('/api/v1/context')
      .set(as('analyst'))
      .set('Content-Type', 'application/yaml')
      .send('zones:\n  - { name: lab, networks: [127.0.0.0/8], classification: internal }\n');
    expect(yaml.status).toBe(200);
    expect((await get()).zones).toEqual([
      { name: 'lab', networks: ['127.0.0.0/8'], classification: 'internal' },
    ]);

    const res = await put(CONTEXT);
    expect(res.status).toBe(200);
    const version = res.body as PolicyContextVersionDto;
    expect(version.counts).toEqual({
      zones: 2,
      roles: 1,
      inventory: 2,
      flows: 1,
      approvedChanges: 0,
      timeSources: 0,
    });
    expect(Number(version.version)).toBeGreaterThan(Number((yaml.body as PolicyContextVersionDto).version));

    const current = await get();
    expect(current.zones).toEqual(CONTEXT.zones);
    expect(current.flows).toEqual(CONTEXT.flows);
    // An asset declared without a time counts from when it was first declared.
    expect(current.inventory[0]).toMatchObject({ address: '127.0.0.5', declaredAt: expect.any(String) });
    expect(current.inventory[1]).toEqual(CONTEXT.inventory[1]);

    const versions = (await http().get('/api/v1/context/versions').set(as('auditor')).expect(200))
      .body as PolicyContextVersionListDto;
    expect(versions.page.total).toBe(2);
    expect(versions.items[0]?.version).toBe(version.version);
  });

  it('replaces one section at a time, validating the whole, and appends approved changes one by one', async () => {
    await put(CONTEXT).expect(200);
    const zones = [...CONTEXT.zones, { name: 'dmz', networks: ['198.51.100.0/24'], classification: 'dmz' }];
    await http().put('/api/v1/context/zones').set(as('analyst')).send(zones).expect(200);
    const after = await get();
    expect(after.zones.map((z) => z.name)).toEqual(['cde', 'corp', 'dmz']);
    expect(after.flows).toEqual(CONTEXT.flows);
    expect(after.inventory.map((a) => a.address)).toEqual(CONTEXT.inventory.map((a) => a.address));

    // A section that breaks a reference elsewhere is refused whole, and nothing changes.
    const orphan = await http().put('/api/v1/context/zones').set(as('analyst')).send([zones[2]]);
    expect(orphan.status).toBe(400);
    expect((orphan.body as ErrorBody).fields).toContainEqual({
      field: 'context.flows[0].from',
      reason: 'no zone named "corp"',
    });
    const notAList = await http().put('/api/v1/context/flows').set(as('analyst')).send({ from: 'corp' });
    expect(notAList.status).toBe(400);
    expect((await get()).zones).toHaveLength(3);

    const change = {
      reference: 'CHG-2041',
      targets: ['127.0.0.0/28'],
      ports: ['tcp/8080'],
      validUntil: '2027-01-01T00:00:00Z',
    };
    await http().post('/api/v1/context/approved-changes').set(as('analyst')).send(change).expect(201);
    const listed = await http().get('/api/v1/context/approved-changes').set(as('auditor')).expect(200);
    expect(listed.body).toEqual([change]);
    const bad = await http()
      .post('/api/v1/context/approved-changes')
      .set(as('analyst'))
      .send({ reference: 'CHG-2042', targets: ['not-a-network'] });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).fields).toContainEqual({
      field: 'context.approvedChanges[1].targets[0]',
      reason: expect.stringContaining('not an IP address or CIDR block'),
    });
    await http().post('/api/v1/context/approved-changes').set(as('auditor')).send(change).expect(403);

    // The designated time servers (10.6.2) are kept, and kept by other sections' changes: they
    // used to be validated, counted as 0 and dropped.
    const timeSources = ['ntp1.example.com', '192.0.2.123'];
    const stored = await http()
      .put('/api/v1/context/time-sources')
      .set(as('analyst'))
      .send(timeSources)
      .expect(200);
    expect((stored.body as PolicyContextVersionDto).counts.timeSources).toBe(2);
    await http().put('/api/v1/context/flows').set(as('analyst')).send(CONTEXT.flows).expect(200);
    expect((await get()).timeSources).toEqual(timeSources);
    expect((await http().get('/api/v1/context/time-sources').set(as('auditor')).expect(200)).body).toEqual(
      timeSources,
    );
    await http().get('/api/v1/context/gateways').set(as('auditor')).expect(404);

    // The tests below start from the document as it was.
    await put(CONTEXT).expect(200);
  });

  it('reaches evaluation: zones and flows, the snapshot changes, and when declared assets were last seen', async () => {
    const client = new ApiClient(app, keys.analyst);
    const scopeId = await client.createScope({
      name: 'cde-from-corp',
      targets: ['127.0.0.0/28'],
      ports: [23, 443, 8080],
      approvedPorts: [23, 443, 8080],
      vantage: 'corp',
    });
    const importXml = async (xml: string) => {
      const res = await http()
        .post(`/api/v1/scopes/${scopeId}/snapshots`)
        .set(as('scanner'))
        .set('Content-Type', 'application/xml')
        .send(xml)
        .expect(201);
      await client.waitForScan((res.body as { scanId: string }).scanId);
    };
    const openFindings = async () =>
      (
        (
          await http()
            .get('/api/v1/findings')
            .query({ scope: scopeId, status: 'open', limit: 500 })
            .set(as('auditor'))
            .expect(200)
        ).body as { items: FindingResponseDto[] }
      ).items;

    await importXml(
      nmapXml(FIRST, [
        {
          addr: '127.0.0.5',
          ports: [
            [23, 'telnet'],
            [443, 'https'],
          ],
        },
        { addr: '127.0.0.9', ports: [[5432, 'postgresql']] },
      ]),
    );
    const first = await openFindings();
    const reachable = first.filter((f) => f.ruleId === 'pci-dss-v4.1.3.1-cde-inbound-not-approved');
    expect(reachable.map((f) => `${f.asset} ${f.subject}`).sort()).toEqual([
      '127.0.0.5 tcp/23',
      '127.0.0.9 tcp/5432',
    ]);
    expect(reachable[0]?.message).toContain('answers from zone corp');

    // 40 days later: a port opened on pay-web (a change), and pay-db is gone.
    await importXml(
      nmapXml(SECOND, [
        {
          addr: '127.0.0.5',
          ports: [
            [23, 'telnet'],
            [443, 'https'],
            [8080, 'http-proxy'],
          ],
        },
      ]),
    );
    const second = await openFindings();
    const change = second.find((f) => f.ruleId === 'pci-dss-v4.1.2.2-unapproved-change');
    expect(change).toMatchObject({ asset: '127.0.0.5' });
    expect(change?.message).toMatch(/port-added on 127\.0\.0\.5 tcp\/8080/);

    const unseen = second.find((f) => f.ruleId === 'pci-dss-v4.12.5.1-declared-host-not-seen');
    expect(unseen).toMatchObject({ asset: '127.0.0.9' });
    expect(unseen?.message).toContain(`last seen: ${new Date(FIRST * 1000).toISOString()}`);
  });
});

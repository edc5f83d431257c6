import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import type { FindingResponseDto, ScanResponseDto } from '@driftwatch/application';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/** nmap XML as nmap 7.93 writes it, for hosts of the documentation range 192.0.2.0/24. */
function nmapXml(
  hosts: { addr: string; ports: [number, string, string][] }[],
  opts: { truncate?: boolean } = {},
) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -sV -oX - 192.0.2.0/28" start="1790000000" startstr="x" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="3" services="21-23"/>
${hosts
  .map(
    (
      h,
    ) => `<host starttime="1790000001" endtime="1790000009"><status state="up" reason="syn-ack" reason_ttl="64"/>
<address addr="${h.addr}" addrtype="ipv4"/>
<hostnames><hostname name="save 50 percent today" type="user"/></hostnames>
<ports>${h.ports
      .map(
        ([port, state, name]) =>
          `<port protocol="tcp" portid="${port}"><state state="${state}" reason="syn-ack" reason_ttl="64"/><service name="${name}" method="probed" conf="10"/></port>`,
      )
      .join('\n')}</ports>
<times srtt="100" rttvar="100" to="100000"/>
</host>`,
  )
  .join('\n')}
<runstats><finished time="1790000010" timestr="x" summary="done" elapsed="10" exit="success"/><hosts up="${hosts.length}" down="0" total="${hosts.length}"/></runstats>
</nmaprun>
`;
  return opts.truncate ? body.slice(0, body.length / 2) : body;
}

/** POST /scopes/{id}/snapshots: nmap XML from elsewhere goes through the same pipeline as a scan. */
describe('importing nmap XML', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'scanner' | 'analyst', string>;
  let scopeId: string;

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '127.0.0.0/8,192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['scanner', 'analyst']);
    const scope = await request(httpServer(app))
      .post('/api/v1/scopes')
      .set('Authorization', `Bearer ${keys.analyst}`)
      .send({ name: 'imported', targets: ['192.0.2.0/28'], ports: [21, 22, 23], approvedPorts: [22] })
      .expect(201);
    scopeId = (scope.body as { id: string }).id;
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));
  const post = (xml: string | Buffer, contentType = 'application/xml') =>
    http()
      .post(`/api/v1/scopes/${scopeId}/snapshots`)
      .set('Authorization', `Bearer ${keys.scanner}`)
      .set('Content-Type', contentType)
      .send(xml);
  const counts = async () => {
    const snapshots = await http()
      .get(`/api/v1/scopes/${scopeId}/snapshots`)
      .set('Authorization', `Bearer ${keys.analyst}`);
    return (snapshots.body as { page: { total: number } }).page.total;
  };

  it('stores the snapshot, evaluates it, and serves the findings like a scan', async () => {
    const res = await post(
      nmapXml([
        {
          addr: '192.0.2.5',
          ports: [
            [23, 'open', 'telnet'],
            [22, 'open', 'ssh'],
          ],
        },
        { addr: '192.0.2.6', ports: [[21, 'open', 'ftp']] },
      ]),
    );
    expect(res.status).toBe(201);
    const { scanId, snapshotId, hosts } = res.body as { scanId: string; snapshotId: string; hosts: number };
    expect(hosts).toBe(2);
    const scan = await waitFor('the import to be evaluated', async () => {
      const body = (
        await http().get(`/api/v1/scans/${scanId}`).set('Authorization', `Bearer ${keys.analyst}`)
      ).body as ScanResponseDto;
      return body.status === 'completed' ? body : undefined;
    });
    expect(scan).toMatchObject({ trigger: 'import', snapshotId });
    const findings = await http()
      .get('/api/v1/findings')
      .query({ scope: scopeId, status: 'open' })
      .set('Authorization', `Bearer ${keys.analyst}`)
      .expect(200);
    const found = (findings.body as { items: FindingResponseDto[] }).items.map(
      (f) => `${f.asset} ${f.subject} ${f.ruleId}`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        '192.0.2.5 tcp/23 pci-dss-v4.1.2.6-insecure-cleartext-service',
        '192.0.2.6 tcp/21 pci-dss-v4.1.2.6-insecure-cleartext-service',
        '192.0.2.6 tcp/21 pci-dss-v4.1.2.5-open-port-not-approved',
      ]),
    );
    // A hostname containing "percent" (node-nmap dropped such hosts) is kept.
    const snapshot = await http()
      .get(`/api/v1/snapshots/${snapshotId}`)
      .set('Authorization', `Bearer ${keys.analyst}`);
    expect((snapshot.body as { hosts: unknown[] }).hosts).toHaveLength(2);
  });

  // nmap reports a host it gave up on (--host-timeout) as up with no ports. Stored so, its ports
  // read as closed: drift reported them removed and their findings resolved.
  it('keeps the last known state of a host nmap gave up on, as a target not observed', async () => {
    const analyst = { Authorization: `Bearer ${keys.analyst}` };
    const timeouts = await http()
      .post('/api/v1/scopes')
      .set(analyst)
      .send({ name: 'host-timeouts', targets: ['192.0.2.32/28'], ports: [21, 23], approvedPorts: [] })
      .expect(201);
    const id = (timeouts.body as { id: string }).id;
    const importInto = async (xml: string) => {
      const res = await http()
        .post(`/api/v1/scopes/${id}/snapshots`)
        .set('Authorization', `Bearer ${keys.scanner}`)
        .set('Content-Type', 'application/xml')
        .send(xml)
        .expect(201);
      const { scanId, snapshotId } = res.body as { scanId: string; snapshotId: string };
      const scan = await waitFor('the import to be evaluated', async () => {
        const body = (await http().get(`/api/v1/scans/${scanId}`).set(analyst)).body as ScanResponseDto;
        return body.status === 'completed' ? body : undefined;
      });
      return { scan, snapshotId };
    };
    await importInto(
      nmapXml([
        { addr: '192.0.2.33', ports: [[23, 'open', 'telnet']] },
        { addr: '192.0.2.34', ports: [[21, 'open', 'ftp']] },
      ]),
    );
    const gaveUp = nmapXml([
      { addr: '192.0.2.33', ports: [] },
      { addr: '192.0.2.34', ports: [[21, 'open', 'ftp']] },
    ]).replace(
      /<host starttime="1790000001" endtime="1790000009">(<status[^>]*>\n<address addr="192\.0\.2\.33"[^>]*>\n<hostnames>.*<\/hostnames>\n)<ports><\/ports>\n/,
      '<host starttime="1790000001" endtime="1790000009" timedout="true">$1',
    );
    expect(gaveUp).toContain('timedout="true"><status');
    const { scan, snapshotId } = await importInto(gaveUp.replace(/1790000010/g, '1790000610'));
    expect(scan.warnings).toEqual([expect.stringContaining('nmap gave up on 192.0.2.33 (host timeout)')]);
    const snapshot = await http().get(`/api/v1/snapshots/${snapshotId}`).set(analyst).expect(200);
    expect(snapshot.body).toMatchObject({ complete: false, missingTargets: ['192.0.2.33'] });
    const changes = await http().get('/api/v1/changes').query({ scope: id }).set(analyst).expect(200);
    expect((changes.body as { items: unknown[] }).items).toEqual([]);
    const open = await http().get('/api/v1/findings').query({ scope: id, status: 'open' }).set(analyst);
    expect(
      (open.body as { items: FindingResponseDto[] }).items.map((f) => `${f.asset} ${f.subject}`),
    ).toEqual(expect.arrayContaining(['192.0.2.33 tcp/23', '192.0.2.34 tcp/21']));
  });

  it.each([
    [
      'truncated XML',
      () => post(nmapXml([{ addr: '192.0.2.5', ports: [[22, 'open', 'ssh']] }], { truncate: true })),
      400,
      'NMAP_OUTPUT_INVALID',
    ],
    [
      'an external entity',
      () =>
        post(
          '<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY x SYSTEM "file:///etc/passwd">]><nmaprun>&x;</nmaprun>',
        ),
      400,
      'NMAP_OUTPUT_INVALID',
    ],
    [
      'a document that is not nmap output',
      () => post('<html><body>hello</body></html>'),
      400,
      'NMAP_OUTPUT_INVALID',
    ],
    [
      'a host outside the scope',
      () => post(nmapXml([{ addr: '192.0.2.200', ports: [[22, 'open', 'ssh']] }])),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a JSON body',
      () => post(JSON.stringify({ hosts: [] }), 'application/json'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a body over the size limit',
      () => post(Buffer.alloc(129 * 1024 * 1024, 0x20)),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ])('refuses %s and stores nothing', async (_what, send, status, code) => {
    const before = await counts();
    const res = await send();
    expect(res.status).toBe(status);
    expect((res.body as { code: string }).code).toBe(code);
    expect(await counts()).toBe(before);
  });

  it('names the host outside the scope', async () => {
    const res = await post(nmapXml([{ addr: '192.0.2.200', ports: [[22, 'open', 'ssh']] }]));
    expect((res.body as { fields: { field: string; reason: string }[] }).fields).toEqual([
      { field: 'hosts[0]', reason: "192.0.2.200 is not covered by the scope's targets" },
    ]);
  });

  // A snapshot's time never goes backwards, so one dated in 2100 dated every later snapshot of
  // the scope in 2100: its state "now" was empty, and the gate never found it stale.
  it('refuses a run dated in the future, naming the times, and stores nothing', async () => {
    const before = await counts();
    const future = Math.floor(Date.now() / 1000) + 3600;
    const xml = nmapXml([{ addr: '192.0.2.5', ports: [[22, 'open', 'ssh']] }])
      .replace('start="1790000000"', `start="${future}"`)
      .replace('<finished time="1790000010"', `<finished time="${future + 10}"`);
    const res = await post(xml).expect(400);
    expect((res.body as { fields: { field: string; reason: string }[] }).fields).toEqual([
      { field: 'body.nmaprun.start', reason: expect.stringMatching(/^is in the future \(/) as string },
      {
        field: 'body.runstats.finished.time',
        reason: expect.stringMatching(/^is in the future \(/) as string,
      },
    ]);
    expect(await counts()).toBe(before);
  });

  // Imports may run up to five minutes ahead of this server's clock. Dated as recorded, such a
  // snapshot was after "now": the scope's state and assets as of now still showed the one before.
  it('dates a run that ends a little after its receipt at its receipt, with a warning why', async () => {
    const ahead = Math.floor(Date.now() / 1000) + 120;
    const xml = nmapXml([{ addr: '192.0.2.8', ports: [[2222, 'open', 'ssh']] }])
      .replace('start="1790000000"', `start="${ahead - 10}"`)
      .replace('<finished time="1790000010"', `<finished time="${ahead}"`);
    const { scanId, snapshotId } = (await post(xml).expect(201)).body as {
      scanId: string;
      snapshotId: string;
    };
    const received = Date.now();
    const scan = await scanOf(scanId);
    expect(scan.finishedAt).toBe(new Date(ahead * 1000).toISOString());
    expect(scan.warnings).toEqual([
      expect.stringMatching(/s after this server received it .*dated at its receipt$/),
    ]);
    const auth = { Authorization: `Bearer ${keys.analyst}` };
    const snapshot = (await http().get(`/api/v1/snapshots/${snapshotId}`).set(auth).expect(200)).body as {
      takenAt: string;
    };
    expect(Date.parse(snapshot.takenAt)).toBeLessThanOrEqual(received);
    const state = (await http().get(`/api/v1/scopes/${scopeId}/state`).set(auth).expect(200)).body as {
      snapshot: { id: string } | null;
    };
    expect(state.snapshot?.id).toBe(snapshotId);
  });

  it('counts a host the file reports twice once, as it is stored', async () => {
    const res = await post(
      nmapXml([
        { addr: '192.0.2.13', ports: [[22, 'open', 'ssh']] },
        { addr: '192.0.2.13', ports: [[23, 'open', 'telnet']] },
        { addr: '192.0.2.14', ports: [[22, 'open', 'ssh']] },
      ]),
    ).expect(201);
    expect((res.body as { hosts: number }).hosts).toBe(2);
  });

  const scanOf = async (id: string) =>
    (await http().get(`/api/v1/scans/${id}`).set('Authorization', `Bearer ${keys.analyst}`).expect(200))
      .body as ScanResponseDto;

  // zenmap's corpus holds such a file (xml_test13: finished 10 s before start): the scanning
  // machine's clock was stepped back. It used to be stored with a duration of -10,000 ms.
  it('keeps a run whose end nmap dated before its start as recorded, with no duration and a warning why', async () => {
    const xml = nmapXml([{ addr: '192.0.2.6', ports: [[22, 'open', 'ssh']] }]).replace(
      '<finished time="1790000010"',
      '<finished time="1789999990"',
    );
    const { scanId } = (await post(xml).expect(201)).body as { scanId: string };
    const scan = await scanOf(scanId);
    expect(scan).toMatchObject({
      startedAt: '2026-09-21T14:13:20.000Z',
      finishedAt: '2026-09-21T14:13:10.000Z',
      durationMs: null,
    });
    expect(scan.warnings).toEqual([
      expect.stringMatching(/^nmap recorded its end \(2026-09-21T14:13:10.000Z\) 10 s before its start/),
    ]);
  });

  it('dates a run without a start time at its end, not at its upload', async () => {
    const xml = nmapXml([{ addr: '192.0.2.7', ports: [[22, 'open', 'ssh']] }]).replace(
      ' start="1790000000"',
      '',
    );
    const { scanId } = (await post(xml).expect(201)).body as { scanId: string };
    expect(await scanOf(scanId)).toMatchObject({
      startedAt: '2026-09-21T14:13:30.000Z',
      finishedAt: '2026-09-21T14:13:30.000Z',
      durationMs: 0,
      warnings: [],
    });
  });

  it('refuses an address in a spelling nmap does not write, naming it', async () => {
    const res = await post(nmapXml([{ addr: '3221225994', ports: [[22, 'open', 'ssh']] }])).expect(400);
    expect(JSON.stringify(res.body)).toContain(
      'address \\"3221225994\\" is not an IPv4 address in dotted decimal',
    );
  });

  it('lets a host in by a hostname target only as a name nmap was asked to scan, and never from outside SCAN_ALLOWED_NETWORKS', async () => {
    const scope = await http()
      .post('/api/v1/scopes')
      .set('Authorization', `Bearer ${keys.analyst}`)
      .send({ name: 'by-name', targets: ['192.0.2.0/28', 'localhost'], ports: [22] })
      .expect(201);
    const id = (scope.body as { id: string }).id;
    const named = (addr: string, type: string) =>
      nmapXml([{ addr, ports: [[22, 'open', 'ssh']] }]).replace(
        '<hostname name="save 50 percent today" type="user"/>',
        `<hostname name="localhost" type="${type}"/>`,
      );
    const send = (xml: string) =>
      http()
        .post(`/api/v1/scopes/${id}/snapshots`)
        .set('Authorization', `Bearer ${keys.scanner}`)
        .set('Content-Type', 'application/xml')
        .send(xml);
    const reasons = async (xml: string) =>
      ((await send(xml).expect(400)).body as { fields: { reason: string }[] }).fields.map((f) => f.reason);
    // Its reverse DNS says "localhost": anyone's can.
    expect(await reasons(named('192.0.2.20', 'PTR'))).toEqual([
      "192.0.2.20 is not covered by the scope's targets",
    ]);
    // Named as scanned, but outside what this Driftwatch may scan at all.
    expect(await reasons(named('198.51.100.7', 'user'))).toEqual([
      '198.51.100.7 is outside SCAN_ALLOWED_NETWORKS',
    ]);
    await send(named('192.0.2.20', 'user')).expect(201);
  });
});

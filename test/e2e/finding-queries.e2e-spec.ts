import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';

import {
  type ChangeFeedResponseDto,
  type FindingListResponseDto,
  type FindingResponseDto,
  FindingService,
  ListFindingsQueryDto,
  type ScanResponseDto,
  type ScopeStateResponseDto,
} from '@driftwatch/application';
import { SEVERITIES } from '@driftwatch/core';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';
import { openPortsXml } from '@driftwatch/test/nmap-xml';

/** nmap XML for hosts of the documentation range 192.0.2.0/24, started at `start` (epoch seconds). */
function nmapXml(start: number, hosts: { addr: string; ports: [number, string][] }[]): string {
  return openPortsXml(hosts, start);
}

const T1 = 1_790_000_000; // 2026-09-21T12:53:20Z
const DAY = 86_400;
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();
const CLEARTEXT = 'pci-dss-v4.1.2.6-insecure-cleartext-service';
const SORTS = ['-lastSeenAt', 'lastSeenAt', '-firstFailedAt', 'firstFailedAt', '-severity', 'severity'];

/**
 * GET /findings filters, sorts and keyset pages; the cross-scope changes feed; a scope's state
 * at a past time. Scope A is fed through the API (two nmap imports, a baseline between them),
 * so its findings, changes and intervals are real. Scope B gets 45 findings inserted in SQL on
 * top of one import, because the API cannot make the variety paging needs: many findings sharing
 * the same lastSeenAt, firstFailedAt and severity (ties), microsecond timestamps, chosen
 * requirements and times.
 */
describe('finding queries, the changes feed and scope state', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'scanner' | 'analyst' | 'auditor', string>;
  let scopeA: string;
  let scopeB: string;
  let snapshotB: string;

  const http = () => request(httpServer(app));
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const findings = async (query: Record<string, unknown>) =>
    (await http().get('/api/v1/findings').query(query).set(as(keys.auditor)).expect(200))
      .body as FindingListResponseDto;
  const bad = async (path: string, query: Record<string, unknown>) => {
    const res = await http().get(path).query(query).set(as(keys.auditor));
    expect(res.status).toBe(400);
    return (res.body as { fields: { field: string }[] }).fields.map((f) => f.field);
  };

  async function importXml(scopeId: string, xml: string): Promise<string> {
    const res = await http()
      .post(`/api/v1/scopes/${scopeId}/snapshots`)
      .set(as(keys.scanner))
      .set('Content-Type', 'application/xml')
      .send(xml)
      .expect(201);
    const { scanId, snapshotId } = res.body as { scanId: string; snapshotId: string };
    await waitFor(`import ${scanId} to be evaluated`, async () => {
      const scan = (await http().get(`/api/v1/scans/${scanId}`).set(as(keys.analyst)))
        .body as ScanResponseDto;
      return scan.status === 'completed' ? scan : undefined;
    });
    return snapshotId;
  }

  /** Inserts findings in scope B as an evaluation writes them, with controlled times and ties. */
  async function insertFindings(from: number, to: number, lastSeenBase: string): Promise<void> {
    await app.get(DataSource).query(
      `INSERT INTO findings (scope_id, fingerprint, rule_id, title, requirements, severity, asset, subject, message,
         evidence, status, first_seen_at, last_seen_at, first_snapshot_id, last_snapshot_id, policy_version)
       SELECT $1, encode(sha256(('finding-' || g)::bytea), 'hex'), 'test.rule-' || (g % 3), 'test finding',
         ARRAY['PCI DSS v4.0.1 ' || (ARRAY['2.2.7', '1.2.5', '8.4.2'])[1 + g % 3]],
         (ARRAY['critical', 'high', 'medium', 'low', 'info'])[1 + g % 5],
         '192.0.2.' || (17 + g % 4), 'tcp/' || g, 'm', '{}',
         CASE WHEN g % 7 = 0 THEN 'resolved' ELSE 'open' END,
         '2026-10-01T00:00:00Z'::timestamptz + (g / 4) * interval '1 hour' + interval '123 microseconds',
         $3::timestamptz + (g % 3) * interval '1 minute' + interval '456 microseconds',
         $2, $2, 'test'
       FROM generate_series($4::int, $5::int) AS g`,
      [scopeB, snapshotB, lastSeenBase, from, to],
    );
  }

  /** Walks every page of a query; returns the ids in the order served. */
  async function walk(query: Record<string, unknown>, between?: (page: number) => Promise<void>) {
    const ids: string[] = [];
    const rows: FindingResponseDto[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const body = await findings({ ...query, ...(cursor ? { cursor } : {}) });
      ids.push(...body.items.map((f) => f.id));
      rows.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) return { ids, rows };
      await between?.(page);
    }
    throw new Error('the walk did not end');
  }

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['scanner', 'analyst', 'auditor']);
    const scope = (name: string, targets: string[]) =>
      http()
        .post('/api/v1/scopes')
        .set(as(keys.analyst))
        .send({ name, targets, ports: [21, 22, 23], approvedPorts: [22] })
        .expect(201);
    scopeA = ((await scope('queries-a', ['192.0.2.0/28'])).body as { id: string }).id;
    scopeB = ((await scope('queries-b', ['192.0.2.16/28'])).body as { id: string }).id;

    await importXml(
      scopeA,
      nmapXml(T1, [
        {
          addr: '192.0.2.5',
          ports: [
            [22, 'ssh'],
            [23, 'telnet'],
          ],
        },
        { addr: '192.0.2.6', ports: [[21, 'ftp']] },
      ]),
    );
    await http().post(`/api/v1/scopes/${scopeA}/baselines`).set(as(keys.analyst)).send({}).expect(201);
    await importXml(
      scopeA,
      nmapXml(T1 + DAY, [
        { addr: '192.0.2.5', ports: [[22, 'ssh']] },
        { addr: '192.0.2.6', ports: [[21, 'ftp']] },
        { addr: '192.0.2.7', ports: [[23, 'telnet']] },
      ]),
    );
    snapshotB = await importXml(scopeB, nmapXml(T1, [{ addr: '192.0.2.17', ports: [[22, 'ssh']] }]));
    await insertFindings(1, 45, '2026-11-01T00:00:00Z');
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  describe('filters', () => {
    it('filters by scope, rule, asset and status on imported findings', async () => {
      const cleartext = await findings({ scope: scopeA, rule: CLEARTEXT, limit: 500 });
      expect(cleartext.items.map((f) => `${f.asset} ${f.subject} ${f.status}`).sort()).toEqual([
        '192.0.2.5 tcp/23 resolved',
        '192.0.2.6 tcp/21 open',
        '192.0.2.7 tcp/23 open',
      ]);
      const onSeven = await findings({ scope: scopeA, asset: '192.0.2.7', limit: 500 });
      expect(onSeven.items.length).toBeGreaterThan(0);
      expect(onSeven.items.every((f) => f.asset === '192.0.2.7')).toBe(true);
      const resolved = await findings({ scope: scopeA, status: 'resolved' });
      expect(resolved.items.map((f) => `${f.asset} ${f.subject} ${f.ruleId}`).sort()).toEqual([
        '192.0.2.5 tcp/23 pci-dss-v4.1.2.5-open-port-not-approved',
        `192.0.2.5 tcp/23 ${CLEARTEXT}`,
      ]);
      const inB = await findings({ scope: scopeB, limit: 500 });
      expect(inB.items.every((f) => f.scopeId === scopeB)).toBe(true);
    });

    it('matches a requirement by its clause number or by its full id', async () => {
      const byClause = await findings({ scope: scopeA, requirement: '1.2.6', limit: 500 });
      const byId = await findings({ scope: scopeA, requirement: 'PCI DSS v4.0.1 1.2.6', limit: 500 });
      expect(byClause.items.length).toBe(3);
      expect(byClause.items.every((f) => f.requirements.includes('PCI DSS v4.0.1 1.2.6'))).toBe(true);
      expect(byId.items.map((f) => f.id).sort()).toEqual(byClause.items.map((f) => f.id).sort());
      const inB = await findings({ scope: scopeB, requirement: '2.2.7', limit: 500 });
      expect(inB.items.length).toBe(15); // g % 3 = 0 for g in 1..45
      expect(await findings({ scope: scopeB, requirement: 'ISO 27001 2.2.7' })).toMatchObject({ items: [] });
    });

    it('filters by a list of severities and statuses', async () => {
      const body = await findings({ scope: scopeB, severity: 'critical,high', status: 'open', limit: 500 });
      expect(body.items.length).toBeGreaterThan(0);
      expect(body.items.every((f) => ['critical', 'high'].includes(f.severity) && f.status === 'open')).toBe(
        true,
      );
      const all = await findings({ scope: scopeB, limit: 500 });
      expect(body.items.length).toBe(
        all.items.filter((f) => ['critical', 'high'].includes(f.severity) && f.status === 'open').length,
      );
    });

    it('filters by half-open time ranges of first failure and last sighting', async () => {
      // first_seen_at = 2026-10-01 + (g / 4) hours: hour 2 holds g = 8..11.
      const hourTwo = await findings({
        scope: scopeB,
        firstFailedFrom: '2026-10-01T02:00:00Z',
        firstFailedTo: '2026-10-01T03:00:00Z',
        limit: 500,
      });
      expect(hourTwo.items.map((f) => f.subject).sort()).toEqual(['tcp/10', 'tcp/11', 'tcp/8', 'tcp/9']);
      // last_seen_at = 2026-11-01 + (g % 3) minutes: minute 1 holds 15 of them.
      const minuteOne = await findings({
        scope: scopeB,
        lastSeenFrom: '2026-11-01T00:01:00Z',
        lastSeenTo: '2026-11-01T00:02:00Z',
        limit: 500,
      });
      expect(minuteOne.items.length).toBe(15);
      expect(minuteOne.items.every((f) => f.lastSeenAt.startsWith('2026-11-01T00:01:00'))).toBe(true);
    });

    it("tells new findings from those already failing at the scope's baseline", async () => {
      const fresh = await findings({ scope: scopeA, newSinceBaseline: true, limit: 500 });
      expect(fresh.items.length).toBeGreaterThan(0);
      expect(fresh.items.every((f) => f.asset === '192.0.2.7' && f.newSinceBaseline === true)).toBe(true);
      const known = await findings({ scope: scopeA, newSinceBaseline: false, limit: 500 });
      expect(known.items.every((f) => f.asset !== '192.0.2.7' && f.newSinceBaseline === false)).toBe(true);
    });

    it("keeps a baseline's fingerprints as rows the database derives, and refuses to change them", async () => {
      const db = app.get(DataSource);
      const [baseline] = await db.query<{ id: string; fingerprints: string[] }[]>(
        'SELECT id, fingerprints FROM baselines WHERE scope_id = $1',
        [scopeA],
      );
      expect(baseline?.fingerprints.length).toBeGreaterThan(0);
      const rows = await db.query<{ fingerprint: string }[]>(
        'SELECT fingerprint FROM baseline_fingerprints WHERE baseline_id = $1 ORDER BY fingerprint',
        [baseline?.id],
      );
      expect(rows.map((r) => r.fingerprint)).toEqual([...new Set(baseline?.fingerprints)].sort());
      await expect(
        db.query("UPDATE baselines SET fingerprints = '{}' WHERE id = $1", [baseline?.id]),
      ).rejects.toThrow(/immutable/);
      // The note is not the approved set: it may still change.
      await db.query("UPDATE baselines SET note = 'reviewed' WHERE id = $1", [baseline?.id]);
    });

    it('gives a finding read alone the same baseline verdict as the list', async () => {
      const listed = await findings({ scope: scopeA, limit: 500 });
      expect(listed.items.some((f) => f.newSinceBaseline === true)).toBe(true);
      expect(listed.items.some((f) => f.newSinceBaseline === false)).toBe(true);
      for (const item of listed.items) {
        const one = (await http().get(`/api/v1/findings/${item.id}`).set(as(keys.auditor)).expect(200))
          .body as FindingResponseDto;
        expect({ newSinceBaseline: one.newSinceBaseline, baseline: one.baseline }).toEqual({
          newSinceBaseline: item.newSinceBaseline,
          baseline: item.baseline,
        });
      }
    });

    it('counts every match only when asked', async () => {
      const page = await findings({ scope: scopeB, limit: 5 });
      expect(page).not.toHaveProperty('total');
      const counted = await findings({ scope: scopeB, limit: 5, count: true });
      const [{ n }] = await app
        .get(DataSource)
        .query<{ n: number }[]>('SELECT count(*)::int AS n FROM findings WHERE scope_id = $1', [scopeB]);
      expect(counted.total).toBe(n);
      expect(counted.items).toHaveLength(5);
    });
  });

  describe('the list as sent', () => {
    // The list route writes its JSON from the database's text (findingJson); every other reader
    // of findings maps entities (mapFinding). Both must give the same findings, member for member.
    it('sends what FindingService.list maps, waiver, baseline and awkward text included', async () => {
      const scopeC = (
        (
          await http()
            .post('/api/v1/scopes')
            .set(as(keys.analyst))
            .send({ name: 'queries-c', targets: ['192.0.2.32/28'], ports: [22] })
            .expect(201)
        ).body as { id: string }
      ).id;
      // Text a serialiser could get wrong: quotes, backslashes, control characters, line and
      // paragraph separators, non-Latin letters, an emoji; no port, no remediation, nested evidence.
      const odd = 'q"uote \\ back\tslash \u0001 \u2028 sep żółw 漢字 🔒 </script>';
      await app.get(DataSource).query(
        `INSERT INTO findings (scope_id, fingerprint, rule_id, title, requirements, severity, asset, subject, port,
           protocol, message, remediation, evidence, status, first_seen_at, last_seen_at, resolved_at,
           first_snapshot_id, last_snapshot_id, resolved_snapshot_id, policy_version)
         VALUES ($1, 'odd-1', 'odd.rule', $2, ARRAY[$2, 'PCI DSS v4.0.1 2.2.7'], 'high', '192.0.2.33', 'host', NULL,
           NULL, $2, NULL, $3::jsonb, 'resolved', '2026-10-01T00:00:00.0299Z', '2026-10-02T23:59:59.999999Z',
           '2026-10-03T00:00:00Z', $4, $4, $4, $2),
           ($1, 'odd-2', 'odd.rule', 't', '{}', 'low', '192.0.2.34', 'tcp/8443', 8443, 'tcp', 'm', $2, '{}',
           'open', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00.000001Z', NULL, $4, $4, NULL, 'p')`,
        [
          scopeC,
          odd,
          JSON.stringify({ text: odd, list: [1, 2.5, -3e-7, null, true], nested: { a: { b: [] } } }),
          snapshotB,
        ],
      );
      const telnet = (await findings({ scope: scopeA, rule: CLEARTEXT })).items[0];
      if (!telnet) throw new Error('scope A has no cleartext finding');
      await http()
        .post('/api/v1/waivers')
        .set(as(keys.analyst))
        .send({
          findingId: telnet.id,
          justification: `Isolated VLAN; ${odd}`,
          approver: odd,
          expiresAt: '2027-06-30T12:00:00.123Z',
        })
        .expect(201);

      const service = app.get(FindingService);
      for (const query of [
        { scope: scopeA },
        { scope: scopeC },
        { scope: scopeC, status: 'resolved' },
        { scope: scopeB, sort: '-severity', limit: 7 },
        { scope: scopeB, severity: 'high,critical', sort: 'firstFailedAt', count: true },
        { limit: 200 },
      ]) {
        const sent = await http().get('/api/v1/findings').query(query).set(as(keys.auditor)).expect(200);
        expect(sent.headers['content-type']).toBe('application/json; charset=utf-8');
        const { severity, status, ...rest } = query as { severity?: string; status?: string };
        const mapped = await service.list(
          Object.assign(
            new ListFindingsQueryDto(),
            rest,
            severity ? { severity: severity.split(',') } : {},
            status ? { status: status.split(',') } : {},
          ),
        );
        expect(sent.body).toEqual(JSON.parse(JSON.stringify(mapped)));
      }
      const oddOne = (await findings({ scope: scopeC, status: 'resolved' })).items.find(
        (f) => f.asset === '192.0.2.33',
      );
      expect(oddOne).toMatchObject({
        title: odd,
        port: null,
        remediation: null,
        firstFailedAt: '2026-10-01T00:00:00.029Z',
        lastSeenAt: '2026-10-02T23:59:59.999Z',
        evidence: { text: odd, list: [1, 2.5, -3e-7, null, true], nested: { a: { b: [] } } },
      });
      const waived = (await findings({ scope: scopeA, rule: CLEARTEXT })).items.find(
        (f) => f.id === telnet.id,
      );
      expect(waived?.waiver).toMatchObject({ approver: odd, expiresAt: '2027-06-30T12:00:00.123Z' });
      expect(waived?.baseline?.summary).toContain('baseline of 2026-');
    });
  });

  describe('keyset paging', () => {
    it.each(SORTS)('walks every finding exactly once, in order, under sort %s', async (sort) => {
      const rows: { id: string }[] = await app
        .get(DataSource)
        .query('SELECT id FROM findings WHERE scope_id = $1', [scopeB]);
      const { ids, rows: served } = await walk({ scope: scopeB, sort, limit: 7 });
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(rows.map((r) => r.id).sort());
      // Pages joined are the one-page answer, and that answer is in the sort's order.
      expect(ids).toEqual((await findings({ scope: scopeB, sort, limit: 500 })).items.map((f) => f.id));
      const key = (f: FindingResponseDto): string | number =>
        sort.endsWith('severity')
          ? SEVERITIES.length - SEVERITIES.indexOf(f.severity)
          : sort.endsWith('lastSeenAt')
            ? f.lastSeenAt
            : f.firstFailedAt;
      const descending = sort.startsWith('-');
      for (let i = 1; i < served.length; i++) {
        const [a, b] = [key(served[i - 1]), key(served[i])];
        expect(descending ? a >= b : a <= b).toBe(true);
      }
    });

    it('puts critical findings first under -severity', async () => {
      const body = await findings({ scope: scopeB, sort: '-severity', limit: 500 });
      const order = [...new Set(body.items.map((f) => f.severity))];
      expect(order).toEqual(['critical', 'high', 'medium', 'low', 'info']);
    });

    it('neither repeats nor skips earlier findings while new ones are inserted', async () => {
      const before: { id: string }[] = await app
        .get(DataSource)
        .query('SELECT id FROM findings WHERE scope_id = $1', [scopeB]);
      let batch = 0;
      const { ids } = await walk({ scope: scopeB, limit: 6 }, async () => {
        // Each between-pages insert is seen later than anything else: it sorts before the cursor.
        const from = 1000 + batch * 3;
        batch++;
        await insertFindings(from, from + 2, '2026-12-01T00:00:00Z');
      });
      expect(batch).toBeGreaterThan(2);
      expect(new Set(ids).size).toBe(ids.length);
      const served = new Set(ids);
      expect(before.every((r) => served.has(r.id))).toBe(true);
      // Cleanup: keep scope B's fixed set for the other tests.
      await app
        .get(DataSource)
        .query(`DELETE FROM findings WHERE scope_id = $1 AND subject ~ '^tcp/1[0-9]{3}$'`, [scopeB]);
    });

    it('refuses bad cursors, sorts, limits, dates and assets with 400 naming the field', async () => {
      const first = await findings({ scope: scopeB, sort: 'firstFailedAt', limit: 5 });
      expect(first.nextCursor).toEqual(expect.any(String));
      const forged = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
      const cursors = [
        '!!!',
        'bm90IGpzb24',
        forged(['firstFailedAt', '2026-10-01T00:00:00.000123Z', first.items[0].id]),
        forged({ s: 'firstFailedAt', k: "'; DROP TABLE findings; --", i: first.items[0].id }),
        forged({ s: 'firstFailedAt', k: '2026-10-01T00:00:00.000123Z', i: 'not-a-uuid' }),
        forged({ s: 'firstFailedAt', k: '2026-13-45T00:00:00.000123Z', i: first.items[0].id }),
      ];
      for (const cursor of cursors) {
        expect(await bad('/api/v1/findings', { scope: scopeB, sort: 'firstFailedAt', cursor })).toEqual([
          'cursor',
        ]);
      }
      // A cursor made for another sort.
      expect(await bad('/api/v1/findings', { scope: scopeB, cursor: first.nextCursor })).toEqual(['cursor']);
      expect(await bad('/api/v1/findings', { sort: 'title' })).toEqual(['sort']);
      expect(await bad('/api/v1/findings', { limit: 0 })).toEqual(['limit']);
      expect(await bad('/api/v1/findings', { limit: 501 })).toEqual(['limit']);
      expect(await bad('/api/v1/findings', { firstFailedFrom: 'yesterday' })).toEqual(['firstFailedFrom']);
      expect(
        await bad('/api/v1/findings', {
          lastSeenFrom: '2026-11-02T00:00:00Z',
          lastSeenTo: '2026-11-01T00:00:00Z',
        }),
      ).toEqual(['lastSeenTo']);
      expect(await bad('/api/v1/findings', { asset: '192.0.2.300' })).toEqual(['asset']);
      expect(await bad('/api/v1/findings', { requirement: "2.2.7' OR 1=1" })).toEqual(['requirement']);
      expect(await bad('/api/v1/findings', { offset: 10 })).toEqual(['offset']);
    });
  });

  describe('the changes feed', () => {
    it("serves a scope's drift oldest first, in keyset pages, filtered by kind and time", async () => {
      const all = (
        await http()
          .get('/api/v1/changes')
          .query({ scope: scopeA, limit: 500 })
          .set(as(keys.auditor))
          .expect(200)
      ).body as ChangeFeedResponseDto;
      expect(all.items.map((c) => `${c.type} ${c.address}`)).toEqual(
        expect.arrayContaining(['host-appeared 192.0.2.7']),
      );
      expect(all.items.every((c) => c.scopeId === scopeA)).toBe(true);
      expect(all.nextCursor).toBeNull();

      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const body = (
          await http()
            .get('/api/v1/changes')
            .query({ scope: scopeA, limit: 1, ...(cursor ? { cursor } : {}) })
            .set(as(keys.auditor))
            .expect(200)
        ).body as ChangeFeedResponseDto;
        paged.push(...body.items.map((c) => `${c.type} ${c.address} ${c.protocol}/${c.port}`));
        cursor = body.nextCursor;
      } while (cursor);
      expect(paged).toEqual(all.items.map((c) => `${c.type} ${c.address} ${c.protocol}/${c.port}`));

      const appeared = (
        await http()
          .get('/api/v1/changes')
          .query({ kind: 'host-appeared', since: iso(T1 + DAY / 2), until: iso(T1 + 2 * DAY) })
          .set(as(keys.auditor))
          .expect(200)
      ).body as ChangeFeedResponseDto;
      expect(appeared.items.map((c) => `${c.scopeId} ${c.address}`)).toEqual([`${scopeA} 192.0.2.7`]);
      const none = (
        await http()
          .get('/api/v1/changes')
          .query({ until: iso(T1 - DAY) })
          .set(as(keys.auditor))
          .expect(200)
      ).body as ChangeFeedResponseDto;
      expect(none.items).toEqual([]);
    });

    it('refuses a bad kind, cursor, limit or time range with 400 naming the field', async () => {
      expect(await bad('/api/v1/changes', { kind: 'everything' })).toEqual(['kind']);
      expect(await bad('/api/v1/changes', { cursor: 'eyJzIjoieCJ9' })).toEqual(['cursor']);
      expect(await bad('/api/v1/changes', { limit: 1000 })).toEqual(['limit']);
      expect(await bad('/api/v1/changes', { since: iso(T1), until: iso(T1) })).toEqual(['until']);
    });

    it("keeps serving a scope's changes at /scopes/{id}/changes", async () => {
      const res = await http().get(`/api/v1/scopes/${scopeA}/changes`).set(as(keys.auditor)).expect(200);
      expect((res.body as { items: { address: string }[] }).items.map((c) => c.address)).toContain(
        '192.0.2.7',
      );
    });
  });

  describe("a scope's state at a time", () => {
    const state = async (at?: string) =>
      (
        await http()
          .get(`/api/v1/scopes/${scopeA}/state`)
          .query(at ? { at } : {})
          .set(as(keys.auditor))
          .expect(200)
      ).body as ScopeStateResponseDto;
    const ports = (s: ScopeStateResponseDto) =>
      s.hosts.flatMap((h) =>
        h.ports.map((p) => `${h.addresses[0]?.addr} ${p.protocol}/${p.port} ${p.service?.name ?? ''}`),
      );

    it('gives the hosts, ports and services of the last snapshot taken by then', async () => {
      const first = await state(iso(T1 + DAY / 2));
      expect(first.snapshot?.seq).toBe(1);
      expect(ports(first).sort()).toEqual([
        '192.0.2.5 tcp/22 ssh',
        '192.0.2.5 tcp/23 telnet',
        '192.0.2.6 tcp/21 ftp',
      ]);
      const now = await state();
      expect(now.snapshot?.seq).toBe(2);
      expect(ports(now).sort()).toEqual([
        '192.0.2.5 tcp/22 ssh',
        '192.0.2.6 tcp/21 ftp',
        '192.0.2.7 tcp/23 telnet',
      ]);
    });

    it('is empty before the first snapshot, and refuses a bad time', async () => {
      expect(await state(iso(T1 - DAY))).toMatchObject({ snapshot: null, hosts: [] });
      expect(await bad(`/api/v1/scopes/${scopeA}/state`, { at: 'last tuesday' })).toEqual(['at']);
    });
  });
});

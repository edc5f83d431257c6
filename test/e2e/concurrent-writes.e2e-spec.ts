import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';

import { type AuditEntryDto, EvaluationService, type EvaluationOutcome } from '@driftwatch/application';
import { ApiClient, scopeWithSnapshot } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/**
 * Writes that run while another transaction holds what they change. Each test holds that
 * transaction open in its own connection until the API's request waits on it, then commits.
 */
describe('writes racing other transactions', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'admin' | 'analyst' | 'auditor' | 'scanner', string>;
  let db: Client;

  const http = () => request(httpServer(app));
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });

  beforeAll(async () => {
    env = await createTestEnvironment({
      SCAN_ALLOWED_NETWORKS: '192.0.2.0/24',
      // A hook on a closed loopback port: its deliveries are recorded (what the races are about),
      // never delivered.
      WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
      WEBHOOK_ATTEMPTS: '1',
    });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['admin', 'analyst', 'auditor', 'scanner']);
    db = new Client({ connectionString: env.config.database.url });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  });

  /** Until at least `n` transactions of this database wait for a lock. */
  const waitingForLocks = (n: number) =>
    waitFor(`${n} transaction(s) to wait for a lock`, async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows[0].n >= n ? true : undefined;
    });

  /**
   * Runs `hold` in a transaction of this test's own, sends `send` while that transaction is
   * open, waits until the request is blocked on a lock, runs `then` in the same transaction and
   * commits: the request goes on with what the transaction left.
   */
  async function during(
    hold: (db: Client) => Promise<unknown>,
    send: () => request.Test,
    then: (db: Client) => Promise<unknown> = () => Promise.resolve(),
  ): Promise<request.Response> {
    await db.query('BEGIN');
    try {
      // A deadlock would fail this transaction's statement, not hang it.
      await db.query(`SET LOCAL lock_timeout = '10s'`);
      await hold(db);
      const response = send().then();
      await waitingForLocks(1);
      await then(db);
      await db.query('COMMIT');
      return await response;
    } catch (error) {
      await db.query('ROLLBACK');
      throw error;
    }
  }

  async function trail(id: string): Promise<AuditEntryDto[]> {
    const res = await http().get(`/api/v1/audit?subjectId=${id}&limit=100`).set(as('auditor')).expect(200);
    return (res.body as { items: AuditEntryDto[] }).items;
  }

  async function scope(name: string): Promise<string> {
    return new ApiClient(app, keys.analyst).createScope({
      name,
      targets: ['192.0.2.0/28'],
      ports: [22, 443],
      approvedPorts: [22],
    });
  }

  const patchDuring = (id: string, change: string, body: object) =>
    during(
      (c) => c.query(change, [id]),
      () => http().patch(`/api/v1/scopes/${id}`).set(as('analyst')).send(body),
    );

  // A scope update used to merge the request into a copy read before its own transaction: a
  // delete committed meanwhile was undone (the copy's null deleted_at written back) or answered
  // 200 for a deleted scope, and the trail's "before" was a state the scope no longer had.
  it('a scope update answers 404 for a scope deleted while it waited, and leaves it deleted', async () => {
    const id = await scope('deleted-meanwhile');
    const res = await patchDuring(id, 'UPDATE scopes SET deleted_at = now() WHERE id = $1', {
      approvedPorts: [],
    });
    expect(res.status).toBe(404);
    const { rows } = await db.query<{ deleted: boolean; approved: number[] }>(
      'SELECT deleted_at IS NOT NULL AS deleted, approved_ports AS approved FROM scopes WHERE id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ deleted: true, approved: [22] });
    await http().get(`/api/v1/scopes/${id}`).set(as('analyst')).expect(404);
    expect((await trail(id)).map((e) => e.action)).toEqual(['scope.created']);
  });

  it('a scope update applies the request to the scope as another change left it, and records that as "before"', async () => {
    const id = await scope('changed-meanwhile');
    const res = await patchDuring(id, `UPDATE scopes SET approved_ports = '{22,443}' WHERE id = $1`, {
      name: 'changed-meanwhile-renamed',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'changed-meanwhile-renamed', approvedPorts: [22, 443] });
    const updated = (await trail(id)).find((e) => e.action === 'scope.updated');
    expect(updated?.details).toMatchObject({
      before: { name: 'changed-meanwhile', approvedPorts: [22, 443] },
      after: { name: 'changed-meanwhile-renamed', approvedPorts: [22, 443] },
    });
  });

  // `{}` wrote a "scope.updated" entry whose before and after were the same, and resynced schedules.
  it('a scope update that changes nothing writes nothing and leaves no trail entry', async () => {
    const id = await scope('unchanged-by-patch');
    const current = (await http().get(`/api/v1/scopes/${id}`).set(as('analyst')).expect(200)).body as {
      updatedAt: string;
      approvedPorts: number[];
    };
    for (const body of [{}, { approvedPorts: current.approvedPorts }]) {
      const res = await http().patch(`/api/v1/scopes/${id}`).set(as('analyst')).send(body).expect(200);
      expect(res.body).toEqual(current);
    }
    expect((await trail(id)).map((e) => e.action)).toEqual(['scope.created']);
    await http()
      .patch(`/api/v1/scopes/${id}`)
      .set(as('analyst'))
      .send({ approvedPorts: [443] })
      .expect(200);
    expect((await trail(id)).map((e) => e.action)).toEqual(['scope.created', 'scope.updated']);
  });

  describe('revoking a waiver', () => {
    let scopeId: string;

    beforeAll(async () => {
      scopeId = await scopeWithSnapshot(
        app,
        keys,
        { name: 'waivers', targets: ['192.0.2.0/28'], ports: [22, 23, 80, 443], approvedPorts: [22] },
        openPortsXml([
          {
            addr: '192.0.2.3',
            ports: [
              [23, 'telnet'],
              [80, 'http'],
              [443, 'https'],
            ],
          },
        ]),
      );
    }, 120_000);

    /** A waiver in force on another of the scope's open findings each time. */
    async function waiver(): Promise<string> {
      const waived = new Set(
        (
          (await http().get(`/api/v1/waivers?scope=${scopeId}`).set(as('analyst')).expect(200)).body as {
            items: { findingId: string }[];
          }
        ).items.map((w) => w.findingId),
      );
      const res = await http()
        .get(`/api/v1/findings?scope=${scopeId}&status=open`)
        .set(as('analyst'))
        .expect(200);
      const finding = (res.body as { items: { id: string }[] }).items.find((f) => !waived.has(f.id));
      if (!finding) throw new Error('no open finding left to waive');
      const created = await http()
        .post('/api/v1/waivers')
        .set(as('analyst'))
        .send({
          findingId: finding.id,
          justification: 'Compensating control CR-7',
          approver: 'CISO',
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        })
        .expect(201);
      return (created.body as { id: string }).id;
    }

    // Of two revocations racing, both used to succeed: two waiver.revoked entries, and the
    // waiver's revokedAt whichever write landed last.
    it('refuses with 409 a revocation of a waiver another revocation ended while it waited, recording none', async () => {
      const id = await waiver();
      const res = await during(
        (c) => c.query('UPDATE waivers SET revoked_at = now() WHERE id = $1', [id]),
        () => http().delete(`/api/v1/waivers/${id}`).set(as('analyst')),
      );
      expect(res.status).toBe(409);
      expect((await trail(id)).map((e) => e.action)).toEqual(['waiver.created']);
    });

    // An admin changing the scope's webhook holds its row, then waits for the chain lock; the
    // revocation used to take the chain lock first, then wait for that row (its delivery's
    // foreign key): a deadlock, answered 500.
    it('records its webhook delivery before it takes the chain lock: no deadlock with a webhook change', async () => {
      const hook = await http()
        .post(`/api/v1/scopes/${scopeId}/webhooks`)
        .set(as('admin'))
        .send({ url: 'http://127.0.0.1:9/hook', events: ['finding.reopened'] })
        .expect(201);
      const hookId = (hook.body as { id: string }).id;
      const id = await waiver();
      const res = await during(
        (c) => c.query('SELECT id FROM webhooks WHERE id = $1 FOR UPDATE', [hookId]),
        () => http().delete(`/api/v1/waivers/${id}`).set(as('analyst')),
        (c) => c.query(`SELECT pg_advisory_xact_lock(hashtext('driftwatch.audit_entries'))`),
      );
      expect(res.status).toBe(200);
      expect((await trail(id)).map((e) => e.action)).toEqual(['waiver.created', 'waiver.revoked']);
      const deliveries = await http()
        .get(`/api/v1/webhooks/${hookId}/deliveries`)
        .set(as('auditor'))
        .expect(200);
      expect((deliveries.body as { items: { eventType: string }[] }).items.map((d) => d.eventType)).toEqual([
        'finding.reopened',
      ]);
    });

    // A waiver locks its finding, then its insert takes a key-share lock on the scope row (the
    // foreign key). An evaluation used to lock the scope row FOR UPDATE, which that key-share
    // lock waits for, then the scope's findings: each waited on the other, a deadlock that
    // PostgreSQL broke by failing one of them (the waiver answered 500).
    it('creates a waiver while an evaluation of its scope runs: both complete, no deadlock', async () => {
      const open = await http()
        .get(`/api/v1/findings?scope=${scopeId}&status=open`)
        .set(as('analyst'))
        .expect(200);
      const waived = new Set(
        (
          (await http().get(`/api/v1/waivers?scope=${scopeId}`).set(as('analyst')).expect(200)).body as {
            items: { findingId: string }[];
          }
        ).items.map((w) => w.findingId),
      );
      const finding = (open.body as { items: { id: string }[] }).items.find((f) => !waived.has(f.id));
      if (!finding) throw new Error('no open finding left to waive');
      let evaluation: Promise<EvaluationOutcome | Error> | undefined;
      // The waiver's insert waits on this transaction's lock, holding its finding's row.
      const res = await during(
        (c) => c.query('LOCK TABLE waivers IN SHARE MODE'),
        () =>
          http()
            .post('/api/v1/waivers')
            .set(as('analyst'))
            .send({
              findingId: finding.id,
              justification: 'Compensating control CR-9',
              approver: 'CISO',
              expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
            }),
        async () => {
          // The evaluation takes its scope lock and waits for the findings the waiver holds.
          evaluation = app
            .get(EvaluationService)
            .evaluateScopeConfig(scopeId)
            .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
          await waitingForLocks(2);
        },
      );
      expect(res.status).toBe(201);
      const outcome = await evaluation;
      expect(outcome).toMatchObject({ kind: 'evaluated' });
      const statuses = await http().get(`/api/v1/findings/${finding.id}`).set(as('analyst')).expect(200);
      expect((statuses.body as { status: string }).status).toBe('excepted');
    });
  });
});

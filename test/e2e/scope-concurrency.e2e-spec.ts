import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';

import type { AuditEntryDto } from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/**
 * A scope update that runs while another transaction changes the same scope: the update must
 * start from the scope as that transaction left it. It used to merge the request into a copy read
 * before its own transaction, so a delete committed meanwhile was undone (the copy's null
 * deleted_at written back) or answered 200 for a deleted scope, and the trail's "before" was a
 * state the scope no longer had.
 */
describe('a scope update racing another change of the scope', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'analyst' | 'auditor', string>;
  let db: Client;

  const http = () => request(httpServer(app));
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    app = await createHttpApp(env.config, 'api');
    keys = await keysForRoles(app, ['analyst', 'auditor']);
    db = new Client({ connectionString: env.config.database.url });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  });

  async function scope(name: string): Promise<string> {
    return new ApiClient(app, keys.analyst).createScope({
      name,
      targets: ['192.0.2.0/28'],
      ports: [22, 443],
      approvedPorts: [22],
    });
  }

  /**
   * Runs `change` in a transaction of its own, starts the PATCH while that transaction still
   * holds the scope's row, waits until the PATCH is blocked on it, then commits.
   */
  async function patchDuring(id: string, change: string, body: object): Promise<request.Response> {
    await db.query('BEGIN');
    try {
      await db.query(change, [id]);
      const patch = http().patch(`/api/v1/scopes/${id}`).set(as('analyst')).send(body).then();
      await waitFor('the update to wait for the row', async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].n > 0 ? true : undefined;
      });
      await db.query('COMMIT');
      return await patch;
    } catch (error) {
      await db.query('ROLLBACK');
      throw error;
    }
  }

  async function trail(id: string): Promise<AuditEntryDto[]> {
    const res = await http().get(`/api/v1/audit?subjectId=${id}&limit=100`).set(as('auditor')).expect(200);
    return (res.body as { items: AuditEntryDto[] }).items;
  }

  it('answers 404 for a scope deleted while the update waited, and leaves it deleted', async () => {
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

  it('applies the request to the scope as the other change left it, and records that as "before"', async () => {
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
});

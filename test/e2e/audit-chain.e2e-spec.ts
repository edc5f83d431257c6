import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';

import type { AuditEntryDto, AuditVerificationDto } from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
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
 * The audit trail end to end: every mutating action and every stored snapshot and evaluation is
 * chained; the database refuses to change the chain; and an attacker who disables the triggers to
 * change or delete a chain row or a snapshot row is caught by verify, at the first broken entry.
 */
describe('tamper-evident audit trail', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'admin' | 'analyst' | 'auditor' | 'scanner' | 'ci', string>;
  let db: Client;
  let scopeId: string;
  let snapshotIds: string[];

  const http = () => request(httpServer(app));
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });

  async function importXml(xml: string): Promise<{ scanId: string; snapshotId: string }> {
    const res = await http()
      .post(`/api/v1/scopes/${scopeId}/snapshots`)
      .set(as('scanner'))
      .set('Content-Type', 'application/xml')
      .send(xml)
      .expect(201);
    const imported = res.body as { scanId: string; snapshotId: string };
    await new ApiClient(app, keys.analyst).waitForScan(imported.scanId);
    return imported;
  }

  async function verify(): Promise<AuditVerificationDto> {
    return (await http().get('/api/v1/audit/verify').set(as('auditor')).expect(200))
      .body as AuditVerificationDto;
  }

  async function entries(query = ''): Promise<AuditEntryDto[]> {
    const res = await http().get(`/api/v1/audit?limit=1000${query}`).set(as('auditor')).expect(200);
    return (res.body as { items: AuditEntryDto[] }).items;
  }

  /**
   * As an attacker with the database's credentials (the tables' owner): the table's triggers
   * (the append-only and immutability guards) are disabled around the change, then enabled again.
   */
  async function asAttacker(table: string, sql: string, params: unknown[] = []): Promise<void> {
    await db.query('BEGIN');
    try {
      await db.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
      await db.query(sql, params);
      await db.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK');
      throw error;
    }
  }

  /** Drops the foreign keys that point at `table` (an owner may); returns what re-adds them. */
  async function dropForeignKeysTo(table: string): Promise<() => Promise<void>> {
    const { rows } = await db.query<{ owner: string; name: string; definition: string }>(
      `SELECT conrelid::regclass::text AS owner, conname AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE contype = 'f' AND confrelid = $1::regclass`,
      [table],
    );
    for (const fk of rows) await db.query(`ALTER TABLE ${fk.owner} DROP CONSTRAINT ${fk.name}`);
    return async () => {
      for (const fk of rows)
        await db.query(`ALTER TABLE ${fk.owner} ADD CONSTRAINT ${fk.name} ${fk.definition}`);
    };
  }

  async function rowOf(table: string, where: string, params: unknown[]): Promise<Record<string, unknown>> {
    const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE ${where}`, params);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  async function reinsert(table: string, row: Record<string, unknown>): Promise<void> {
    const columns = Object.keys(row);
    await asAttacker(
      table,
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => {
        const value = row[c];
        return value !== null &&
          typeof value === 'object' &&
          !(value instanceof Date) &&
          !Array.isArray(value)
          ? JSON.stringify(value)
          : value;
      }),
    );
  }

  async function entryOfSnapshot(snapshotId: string): Promise<number> {
    const [entry] = await entries(`&subjectType=snapshot&subjectId=${snapshotId}`);
    return entry.seq;
  }

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '127.0.0.0/8,192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['admin', 'analyst', 'auditor', 'scanner', 'ci']);
    db = new Client({ connectionString: env.config.database.url });
    await db.connect();

    scopeId = await new ApiClient(app, keys.analyst).createScope({
      name: 'cde',
      targets: ['192.0.2.0/28'],
      ports: [21, 22, 23, 80, 443],
      approvedPorts: [22, 443],
    });
    await http()
      .patch(`/api/v1/scopes/${scopeId}`)
      .set(as('analyst'))
      .send({ approvedPorts: [22, 443, 8443] })
      .expect(200);
    const first = await importXml(
      openPortsXml(
        [
          {
            addr: '192.0.2.1',
            ports: [
              [22, 'ssh'],
              [23, 'telnet'],
            ],
          },
          { addr: '192.0.2.2', ports: [[443, 'https']] },
        ],
        1790000000,
      ),
    );
    const second = await importXml(
      openPortsXml(
        [
          { addr: '192.0.2.1', ports: [[22, 'ssh']] },
          {
            addr: '192.0.2.2',
            ports: [
              [443, 'https'],
              [21, 'ftp'],
            ],
          },
          { addr: '192.0.2.3', ports: [[80, 'http']] },
        ],
        1790003600,
      ),
    );
    snapshotIds = [first.snapshotId, second.snapshotId];
    await http()
      .post(`/api/v1/scopes/${scopeId}/baselines`)
      .set(as('analyst'))
      .send({ note: 'Q4' })
      .expect(201);
    const findings = (
      await http().get(`/api/v1/findings?scope=${scopeId}&status=open`).set(as('analyst')).expect(200)
    ).body as { items: { id: string }[] };
    const waiver = await http()
      .post('/api/v1/waivers')
      .set(as('analyst'))
      .send({
        findingId: findings.items[0].id,
        justification: 'Compensating control: jump host only, ticket CHG-1234',
        approver: 'CISO',
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      })
      .expect(201);
    await http()
      .delete(`/api/v1/waivers/${(waiver.body as { id: string }).id}`)
      .set(as('analyst'))
      .expect(200);
    await http()
      .put('/api/v1/context/zones')
      .set(as('analyst'))
      .send([{ name: 'cde', networks: ['192.0.2.0/28'], classification: 'cde' }])
      .expect(200);
    const key = await http()
      .post('/api/v1/api-keys')
      .set(as('admin'))
      .send({ name: 'temp', role: 'ci' })
      .expect(201);
    await http()
      .delete(`/api/v1/api-keys/${(key.body as { id: string }).id}`)
      .set(as('admin'))
      .expect(200);
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  });

  it('records every mutating action, snapshot and evaluation, with who did it, in order', async () => {
    const trail = await entries();
    const actions = trail.map((e) => e.action);
    for (const action of [
      'scope.created',
      'scope.updated',
      'snapshot.stored',
      'evaluation.recorded',
      'baseline.approved',
      'waiver.created',
      'waiver.revoked',
      'context.zones.replaced',
      'api-key.created',
      'api-key.revoked',
    ]) {
      expect(actions).toContain(action);
    }
    expect(actions.filter((a) => a === 'snapshot.stored')).toHaveLength(2);
    expect(actions.filter((a) => a === 'evaluation.recorded')).toHaveLength(2);
    // In sequence, each linked to the one before.
    trail.forEach((entry, i) => {
      expect(entry.seq).toBe(i + 1);
      if (i > 0) expect(entry.prevHash).toBe(trail[i - 1].hash);
    });
    expect(trail[0].prevHash).toBe('0'.repeat(64));
    expect(actions.indexOf('scope.created')).toBeLessThan(actions.indexOf('scope.updated'));

    const update = trail.find((e) => e.action === 'scope.updated');
    expect(update).toMatchObject({
      actor: expect.stringMatching(/^key:[0-9a-f-]{36}$/),
      actorName: 'test-analyst',
      subjectType: 'scope',
      subjectId: scopeId,
      scopeId,
      details: {
        before: { approvedPorts: [22, 443] },
        after: { approvedPorts: [22, 443, 8443] },
        actorRole: 'analyst',
      },
    });
    const stored = trail.filter((e) => e.action === 'snapshot.stored');
    expect(stored.map((e) => e.subjectId)).toEqual(snapshotIds);
    expect(stored[0]).toMatchObject({
      actorName: 'test-scanner',
      details: { contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const evaluation = trail.find((e) => e.action === 'evaluation.recorded');
    expect(evaluation).toMatchObject({
      actor: 'system:worker',
      details: {
        snapshotId: snapshotIds[0],
        policyVersion: expect.any(String),
        failingCount: expect.any(Number),
      },
    });
    // Secrets never enter the trail.
    const created = trail.find((e) => e.action === 'api-key.created');
    expect(JSON.stringify(created)).not.toMatch(/dw_[0-9a-f]{16}_/);
  });

  it('filters the trail and pages it by sequence', async () => {
    const waivers = await entries('&action=waiver.created,waiver.revoked');
    expect(waivers.map((e) => e.action)).toEqual(['waiver.created', 'waiver.revoked']);
    const byScope = await entries(`&scope=${scopeId}&subjectType=snapshot`);
    expect(byScope).toHaveLength(2);
    const first = await http().get('/api/v1/audit?limit=3').set(as('admin')).expect(200);
    const page = first.body as { items: AuditEntryDto[]; nextAfter: number };
    expect(page.items.map((e) => e.seq)).toEqual([1, 2, 3]);
    const next = await http()
      .get(`/api/v1/audit?limit=3&after=${page.nextAfter}`)
      .set(as('admin'))
      .expect(200);
    expect((next.body as { items: AuditEntryDto[] }).items[0].seq).toBe(4);
  });

  // The trail stores uuids in lower case; an auditor pasting an id in upper case found nothing.
  it('finds the entries of a subject or actor whose id is spelled in upper case', async () => {
    const bySubject = await entries(`&subjectId=${scopeId}`);
    expect(bySubject.length).toBeGreaterThan(0);
    await expect(entries(`&subjectId=${scopeId.toUpperCase()}`)).resolves.toEqual(bySubject);
    const actor = bySubject[0]?.actor ?? '';
    expect(actor).toMatch(/^key:/);
    const byActor = await entries(`&actor=${actor}`);
    await expect(entries(`&actor=key:${actor.slice(4).toUpperCase()}`)).resolves.toEqual(byActor);
  });

  it('refuses bad filters with the field named, and the trail to roles other than admin and auditor', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['after=-1', 'after'],
      ['from=yesterday', 'from'],
      ['scope=not-a-uuid', 'scope'],
      ['actor=root', 'actor'],
      ['action=DROP%20TABLE', 'action'],
    ]) {
      const res = await http().get(`/api/v1/audit?${query}`).set(as('auditor'));
      expect(res.status).toBe(400);
      expect(JSON.stringify((res.body as { fields?: unknown }).fields)).toContain(field);
    }
    await http().get('/api/v1/audit').set(as('analyst')).expect(403);
    await http().get('/api/v1/audit/verify').set(as('ci')).expect(403);
  });

  it('verifies an intact chain, re-hashing every snapshot it records', async () => {
    const result = await verify();
    const trail = await entries();
    expect(result).toMatchObject({
      valid: true,
      entriesChecked: trail.length,
      snapshotsChecked: 2,
      evaluationsChecked: 2,
      firstBroken: null,
      head: { seq: trail.length, hash: trail.at(-1)?.hash },
    });
  });

  it('the database refuses to update, delete or truncate chain entries', async () => {
    await expect(db.query(`UPDATE audit_entries SET actor_name = 'mallory' WHERE seq = 1`)).rejects.toThrow(
      /immutable/,
    );
    await expect(db.query(`DELETE FROM audit_entries WHERE seq = 1`)).rejects.toThrow(/immutable/);
    await expect(db.query(`TRUNCATE audit_entries`)).rejects.toThrow(/immutable/);
    await expect(db.query(`UPDATE evaluations SET opened = 0`)).rejects.toThrow(/immutable/);
    expect((await verify()).valid).toBe(true);
  });

  it('reports a chain row changed with the trigger disabled as the first broken entry', async () => {
    const target = (await entries('&action=waiver.created'))[0].seq;
    const original = await rowOf('audit_entries', 'seq = $1', [target]);
    await asAttacker(
      'audit_entries',
      `UPDATE audit_entries SET details = details || '{"approver":"nobody"}' WHERE seq = $1`,
      [target],
    );
    try {
      expect((await verify()).firstBroken).toMatchObject({ seq: target, reason: 'content-altered' });
    } finally {
      await asAttacker('audit_entries', `UPDATE audit_entries SET details = $2 WHERE seq = $1`, [
        target,
        JSON.stringify(original.details),
      ]);
    }
    expect((await verify()).valid).toBe(true);
  });

  it('reports a deleted chain row at the entry after it', async () => {
    const target = (await entries('&action=scope.updated'))[0].seq;
    const original = await rowOf('audit_entries', 'seq = $1', [target]);
    await asAttacker('audit_entries', `DELETE FROM audit_entries WHERE seq = $1`, [target]);
    try {
      expect((await verify()).firstBroken).toMatchObject({ seq: target + 1, reason: 'entries-missing' });
    } finally {
      await reinsert('audit_entries', original);
    }
    expect((await verify()).valid).toBe(true);
  });

  it('reports a snapshot row changed with the trigger disabled at the entry that recorded it', async () => {
    const entry = await entryOfSnapshot(snapshotIds[1]);
    await asAttacker('snapshots', `UPDATE snapshots SET host_count = host_count - 1 WHERE id = $1`, [
      snapshotIds[1],
    ]);
    try {
      expect((await verify()).firstBroken).toMatchObject({
        seq: entry,
        reason: 'snapshot-altered',
        subjectId: snapshotIds[1],
        detail: expect.stringContaining('hostCount'),
      });
    } finally {
      await asAttacker('snapshots', `UPDATE snapshots SET host_count = host_count + 1 WHERE id = $1`, [
        snapshotIds[1],
      ]);
    }
    expect((await verify()).valid).toBe(true);
  });

  it("reports a snapshot's stored content changed (an observation rewritten) by hashing it again", async () => {
    const entry = await entryOfSnapshot(snapshotIds[0]);
    // Hide the telnet port the first snapshot saw: its interval now looks like an SSH port.
    const { rows } = await db.query<{ id: string; attributes: unknown }>(
      `SELECT id, attributes FROM observations WHERE scope_id = $1 AND port = 23`,
      [scopeId],
    );
    expect(rows).toHaveLength(1);
    await asAttacker('observations', `UPDATE observations SET port = 2222 WHERE id = $1`, [rows[0].id]);
    try {
      expect((await verify()).firstBroken).toMatchObject({ seq: entry, reason: 'snapshot-content-altered' });
    } finally {
      await asAttacker('observations', `UPDATE observations SET port = 23 WHERE id = $1`, [rows[0].id]);
    }
    expect((await verify()).valid).toBe(true);
  });

  it('reports a deleted snapshot row at the entry that recorded it, the earliest break first', async () => {
    const entry = await entryOfSnapshot(snapshotIds[0]);
    const original = await rowOf('snapshots', 'id = $1', [snapshotIds[0]]);
    const later = (await entries('&action=api-key.revoked'))[0].seq;
    expect(later).toBeGreaterThan(entry);
    const restoreForeignKeys = await dropForeignKeysTo('snapshots');
    await asAttacker('snapshots', `DELETE FROM snapshots WHERE id = $1`, [snapshotIds[0]]);
    await asAttacker('audit_entries', `UPDATE audit_entries SET actor_name = 'mallory' WHERE seq = $1`, [
      later,
    ]);
    try {
      const result = await verify();
      expect(result.valid).toBe(false);
      expect(result.firstBroken).toMatchObject({
        seq: entry,
        reason: 'snapshot-missing',
        subjectId: snapshotIds[0],
      });
    } finally {
      await reinsert('snapshots', original);
      await restoreForeignKeys();
      await asAttacker('audit_entries', `UPDATE audit_entries SET actor_name = 'test-admin' WHERE seq = $1`, [
        later,
      ]);
    }
    expect((await verify()).valid).toBe(true);
  });

  it('with an anchor kept outside, reports a cut tail and a rewritten prefix, which links alone cannot show', async () => {
    const verifyWith = async (query: Record<string, unknown>) =>
      (await http().get('/api/v1/audit/verify').query(query).set(as('auditor')).expect(200))
        .body as AuditVerificationDto;
    const head = (await verify()).head;
    if (!head) throw new Error('no head');
    // Two more audited actions after the head an auditor wrote down.
    for (const ports of [[22], [22, 443]]) {
      await http()
        .patch(`/api/v1/scopes/${scopeId}`)
        .set(as('analyst'))
        .send({ approvedPorts: ports })
        .expect(200);
    }
    const [anchored] = await entries(`&after=${head.seq}`);
    if (!anchored) throw new Error('no entry after the head');
    const anchor = { anchorSeq: anchored.seq, anchorHash: anchored.hash };
    expect(await verifyWith(anchor)).toMatchObject({
      valid: true,
      anchor: { seq: anchored.seq, hash: anchored.hash, matched: true },
      firstBroken: null,
    });

    // An attacker with the tables' owner deletes everything after the head: the links still hold.
    const tail = (
      await db.query<Record<string, unknown>>('SELECT * FROM audit_entries WHERE seq > $1', [head.seq])
    ).rows;
    expect(tail.length).toBeGreaterThanOrEqual(2);
    await asAttacker('audit_entries', 'DELETE FROM audit_entries WHERE seq > $1', [head.seq]);
    try {
      expect((await verify()).valid).toBe(true);
      expect(await verifyWith(anchor)).toMatchObject({
        valid: false,
        anchor: { seq: anchored.seq, matched: false },
        firstBroken: { seq: head.seq + 1, reason: 'tail-cut' },
      });
    } finally {
      for (const row of tail.sort((a, b) => Number(a.seq) - Number(b.seq)))
        await reinsert('audit_entries', row);
    }
    expect((await verifyWith(anchor)).valid).toBe(true);

    // An anchor the chain does not hold at its seq: the prefix up to it is not what was recorded.
    const forged = { anchorSeq: anchored.seq, anchorHash: 'f'.repeat(64) };
    expect(await verifyWith(forged)).toMatchObject({
      valid: false,
      firstBroken: { seq: anchored.seq, reason: 'anchor-mismatch' },
    });

    const refused = async (query: Record<string, unknown>) => {
      const res = await http().get('/api/v1/audit/verify').query(query).set(as('auditor')).expect(400);
      return (res.body as { fields: { field: string }[] }).fields.map((f) => f.field);
    };
    expect(await refused({ anchorSeq: anchored.seq })).toEqual(['anchorHash']);
    expect(await refused({ anchorHash: anchored.hash })).toEqual(['anchorSeq']);
    expect(await refused({ anchorSeq: 0, anchorHash: anchored.hash })).toContain('anchorSeq');
    expect(await refused({ anchorSeq: 'x', anchorHash: anchored.hash })).toContain('anchorSeq');
    expect(await refused({ anchorSeq: 1, anchorHash: anchored.hash.toUpperCase() })).toEqual(['anchorHash']);
  });

  it('keeps an action and its entry together: a refused action leaves no entry', async () => {
    const before = (await entries()).length;
    await http()
      .post('/api/v1/scopes')
      .set(as('analyst'))
      .send({ name: 'cde', targets: ['192.0.2.0/28'], ports: [22] })
      .expect(409);
    await http().delete(`/api/v1/api-keys/00000000-0000-4000-8000-00000000dead`).set(as('admin')).expect(404);
    expect(await entries()).toHaveLength(before);
    await waitFor('the trail to stay intact', async () => ((await verify()).valid ? true : undefined));
  });

  it('records an id the client spelled in upper case in its canonical form, and the chain still verifies', async () => {
    const upper = scopeId.toUpperCase();
    const before = (await entries()).length;
    const updates = (await entries(`&subjectId=${scopeId}&action=scope.updated`)).length;
    const patched = await http()
      .patch(`/api/v1/scopes/${upper}`)
      .set(as('analyst'))
      .send({ hostTimeoutSeconds: 600 })
      .expect(200);
    expect((patched.body as { id: string }).id).toBe(scopeId);
    const baseline = await http()
      .post(`/api/v1/scopes/${upper}/baselines`)
      .set(as('analyst'))
      .send({ note: 'upper-case path' })
      .expect(201);
    expect((baseline.body as { scopeId: string }).scopeId).toBe(scopeId);

    const added = (await entries()).slice(before);
    expect(
      added.map((e) => [e.action, e.subjectId === scopeId || e.subjectType !== 'scope', e.scopeId]),
    ).toEqual([
      ['scope.updated', true, scopeId],
      ['baseline.approved', true, scopeId],
    ]);
    // Hashed over the upper-case spelling, the entries could never verify (the uuid column
    // returns lower case), and verify stops at the first break: later tampering would go unseen.
    expect(await verify()).toMatchObject({ valid: true, firstBroken: null });
    expect(await entries(`&subjectId=${scopeId}&action=scope.updated`)).toHaveLength(updates + 1);
  });
});

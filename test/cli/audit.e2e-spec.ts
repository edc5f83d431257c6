import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';

import { ApiClient } from '@driftwatch/test/api-client';
import { type CliOutcome, requireBuiltCli, runCli } from '@driftwatch/test/cli';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/**
 * `driftwatch audit verify` as an auditor's cron job runs it: the built CLI against a live API,
 * keeping the head it saw in a file the database's operators cannot reach. The exit code is the
 * contract: 0 intact, 1 broken (a cut tail included, which the links alone cannot show), 2 on
 * any error.
 */
describe('driftwatch audit verify (built CLI against a live API)', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let base: string;
  let keys: Record<'analyst' | 'auditor' | 'ci', string>;
  let db: Client;
  let dir: string;
  let scopeId: string;

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'dw-audit-'));
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'standalone');
    base = `http://127.0.0.1:${(httpServer(app).address() as AddressInfo).port}`;
    keys = await keysForRoles(app, ['analyst', 'auditor', 'ci']);
    scopeId = await new ApiClient(app, keys.analyst).createScope({
      name: 'audit-cli',
      targets: ['127.0.0.1'],
      ports: [22],
    });
    db = new Client({ connectionString: env.config.database.url });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The CLI as a cron job starts it: argument array, no shell, no Driftwatch environment. */
  const audit = (...args: string[]): Promise<CliOutcome> => runCli(['audit', ...args]);

  const verify = (...args: string[]) => audit('verify', '--api', base, '--token', keys.auditor, ...args);
  const changeScope = (ports: number[]) =>
    new ApiClient(app, keys.analyst)
      .http()
      .patch(`/api/v1/scopes/${scopeId}`)
      .set({ Authorization: `Bearer ${keys.analyst}` })
      .send({ approvedPorts: ports })
      .expect(200);
  const anchorIn = (file: string) =>
    JSON.parse(readFileSync(file, 'utf8')) as { seq: number; hash: string; verifiedAt: string };

  it('keeps the head it verified, and holds the next run to it', async () => {
    const file = join(dir, 'anchor.json');
    const first = await verify('--anchor-file', file);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^audit trail intact: \d+ entries/);
    const kept = anchorIn(file);
    const [{ seq, hash }] = (
      await db.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1',
      )
    ).rows;
    expect(kept).toMatchObject({ seq: Number(seq), hash });

    await changeScope([22]);
    const second = await verify('--anchor-file', file);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`the anchored entry ${kept.seq} held`);
    expect(anchorIn(file).seq).toBeGreaterThan(kept.seq);
  });

  it('exits 1 on a cut tail the links alone cannot show, and keeps the anchor file as it was', async () => {
    const file = join(dir, 'cut.json');
    await changeScope([22, 443]);
    expect((await verify('--anchor-file', file)).code).toBe(0);
    const kept = readFileSync(file, 'utf8');
    const { seq } = anchorIn(file);

    // An operator with the tables' owner deletes the newest entries, the anchored one included.
    const { rows: tail } = await db.query<Record<string, unknown>>(
      'SELECT * FROM audit_entries WHERE seq >= $1 ORDER BY seq',
      [seq],
    );
    const asOwner = async (sql: string, params: unknown[]) => {
      await db.query('BEGIN');
      await db.query('ALTER TABLE audit_entries DISABLE TRIGGER USER');
      await db.query(sql, params);
      await db.query('ALTER TABLE audit_entries ENABLE TRIGGER USER');
      await db.query('COMMIT');
    };
    await asOwner('DELETE FROM audit_entries WHERE seq >= $1', [seq]);
    try {
      expect((await verify()).code).toBe(0);
      const cut = await verify('--anchor-file', file);
      expect(cut.code).toBe(1);
      expect(cut.stdout).toMatch(new RegExp(`^audit trail BROKEN at entry ${seq}: tail-cut: `));
      expect(readFileSync(file, 'utf8')).toBe(kept);
    } finally {
      for (const row of tail) {
        const columns = Object.keys(row);
        await asOwner(
          `INSERT INTO audit_entries (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          columns.map((c) => (c === 'details' ? JSON.stringify(row[c]) : row[c])),
        );
      }
    }
    expect((await verify('--anchor-file', file)).code).toBe(0);
  });

  it('exits 2 on a damaged anchor file, a refused key, a role that may not verify, or no API', async () => {
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, '{"seq": 3, "hash": "not a hash", "verifiedAt": "x"}');
    const bad = await verify('--anchor-file', damaged);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`the anchor file ${damaged} must hold`);
    // A good seq and hash, but a verifiedAt that is no time.
    for (const verifiedAt of ['garbage', '2026-13-45T99:99:99Z', 42]) {
      writeFileSync(damaged, JSON.stringify({ seq: 3, hash: 'a'.repeat(64), verifiedAt }));
      const notTime = await verify('--anchor-file', damaged);
      expect([notTime.code, notTime.stderr]).toEqual([2, expect.stringContaining('"verifiedAt": a time')]);
    }
    writeFileSync(damaged, 'not json');
    expect((await verify('--anchor-file', damaged)).stderr).toContain('is not JSON');
    expect(readFileSync(damaged, 'utf8')).toBe('not json');

    const wrongKey = await audit(
      'verify',
      '--api',
      base,
      '--token',
      `dw_${'0'.repeat(16)}_${'A'.repeat(43)}`,
    );
    expect(wrongKey).toMatchObject({ code: 2 });
    expect(wrongKey.stderr).toContain('the API refused the token');
    const ci = await audit('verify', '--api', base, '--token', keys.ci);
    expect(ci).toMatchObject({ code: 2 });
    expect(ci.stderr).toContain("the token's role may not verify the trail");
    const nowhere = await audit('verify', '--api', 'http://127.0.0.1:9', '--token', keys.auditor);
    expect(nowhere).toMatchObject({ code: 2 });
    expect(nowhere.stderr).toContain('cannot reach the API at http://127.0.0.1:9');

    for (const args of [
      [],
      ['check'],
      ['verify'],
      ['verify', '--api', base],
      ['verify', '--api', base, '--token', keys.auditor, '--timeout', '0'],
      ['verify', '--api', base, '--token', keys.auditor, '--timeout', '0x10'],
    ]) {
      const usage = await audit(...args);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/^driftwatch: audit: /);
    }
  });
});

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sharded scans: a scan's targets are split into shards (one /24 by default), each run as its
 * own job; a shard's result waits here until every shard has finished and the snapshot is
 * assembled (then it is cleared). Scopes may override the scan time limits.
 */
export class ScanShards1764500000000 implements MigrationInterface {
  name = 'ScanShards1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scan_shards (
        scan_id uuid NOT NULL REFERENCES scans(id),
        seq integer NOT NULL,
        block text NOT NULL,
        targets text[] NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        started_at timestamptz,
        finished_at timestamptz,
        error text,
        progress_task text,
        progress_percent real,
        progress_eta timestamptz,
        result jsonb,
        warnings jsonb NOT NULL DEFAULT '[]',
        PRIMARY KEY (scan_id, seq)
      )`);
    await q.query(`ALTER TABLE scopes ADD COLUMN host_timeout_seconds integer`);
    await q.query(`ALTER TABLE scopes ADD COLUMN scan_timeout_seconds integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scopes DROP COLUMN scan_timeout_seconds`);
    await q.query(`ALTER TABLE scopes DROP COLUMN host_timeout_seconds`);
    await q.query(`DROP TABLE scan_shards`);
  }
}

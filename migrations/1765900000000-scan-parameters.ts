import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a scan was planned with: the scope's ports, NSE scripts, timeouts and host discovery when
 * the scan was split into shards. Every shard runs with these, so a scope changed while its scan
 * runs cannot give a snapshot whose shards scanned different ports. Null for scans planned before
 * this column: their shards read the scope, as before.
 */
export class ScanParameters1765900000000 implements MigrationInterface {
  name = 'ScanParameters1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scans ADD COLUMN parameters jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scans DROP COLUMN parameters`);
  }
}

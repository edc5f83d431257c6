import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The vantage (network zone) a scan was queued on, fixed when it is queued. Read from its scope
 * at each use, a scope moved to another zone while its scan was queued or running sent the scan
 * sweep to look for the job in the new zone's queue: it found none, queued the scan again there,
 * and two workers ran it, the snapshot labelled with a zone it was not taken from. Earlier scans
 * take their scope's vantage now, the best that is known of them. docs/decisions/0007.
 */
export class ScanVantage1766200000000 implements MigrationInterface {
  name = 'ScanVantage1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scans ADD COLUMN vantage text`);
    await q.query(`UPDATE scans s SET vantage = c.vantage FROM scopes c WHERE c.id = s.scope_id`);
    await q.query(`ALTER TABLE scans ALTER COLUMN vantage SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scans DROP COLUMN vantage`);
  }
}

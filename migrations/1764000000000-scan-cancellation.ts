import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Scans can be cancelled: a status of their own, and who asked. */
export class ScanCancellation1764000000000 implements MigrationInterface {
  name = 'ScanCancellation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scans DROP CONSTRAINT scans_status_check`);
    await q.query(`
      ALTER TABLE scans ADD CONSTRAINT scans_status_check
      CHECK (status IN ('queued', 'running', 'evaluating', 'completed', 'failed', 'cancelled'))`);
    await q.query(`ALTER TABLE scans ADD COLUMN cancelled_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE scans SET status = 'failed', error = 'cancelled' WHERE status = 'cancelled'`);
    await q.query(`ALTER TABLE scans DROP COLUMN cancelled_by`);
    await q.query(`ALTER TABLE scans DROP CONSTRAINT scans_status_check`);
    await q.query(`
      ALTER TABLE scans ADD CONSTRAINT scans_status_check
      CHECK (status IN ('queued', 'running', 'evaluating', 'completed', 'failed'))`);
  }
}

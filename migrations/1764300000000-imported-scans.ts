import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Scans can also come from elsewhere: nmap XML imported through the API. */
export class ImportedScans1764300000000 implements MigrationInterface {
  name = 'ImportedScans1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scans DROP CONSTRAINT scans_trigger_check`);
    await q.query(
      `ALTER TABLE scans ADD CONSTRAINT scans_trigger_check CHECK (trigger IN ('manual', 'schedule', 'import'))`,
    );
    await q.query(`ALTER TABLE scans ADD COLUMN imported_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM scans WHERE trigger = 'import' AND snapshot_id IS NULL`);
    await q.query(`ALTER TABLE scans DROP COLUMN imported_by`);
    await q.query(`ALTER TABLE scans DROP CONSTRAINT scans_trigger_check`);
    await q.query(
      `ALTER TABLE scans ADD CONSTRAINT scans_trigger_check CHECK (trigger IN ('manual', 'schedule'))`,
    );
  }
}

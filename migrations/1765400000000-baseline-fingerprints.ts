import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A baseline's approved fingerprints as rows, one per fingerprint, so that "was this finding
 * failing at the baseline" is an index probe. As an array it was a linear search of a value of
 * megabytes, detoasted once per finding: a page of 100 findings of a scope whose baseline held
 * 140,000 fingerprints took half a second. The array stays the baseline's record (its audit entry
 * hashes it); the rows are derived from it by a trigger in the inserting transaction, and a
 * baseline's fingerprints can no longer change. docs/decisions/0014, decision 10.
 */
export class BaselineFingerprints1765400000000 implements MigrationInterface {
  name = 'BaselineFingerprints1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE baseline_fingerprints (
        baseline_id uuid NOT NULL REFERENCES baselines (id) ON DELETE CASCADE,
        fingerprint char(64) NOT NULL,
        PRIMARY KEY (baseline_id, fingerprint)
      )`);
    await q.query(`
      INSERT INTO baseline_fingerprints (baseline_id, fingerprint)
      SELECT DISTINCT b.id, fp FROM baselines b, unnest(b.fingerprints) AS fp`);
    await q.query(`
      CREATE FUNCTION driftwatch_baseline_fingerprints() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO baseline_fingerprints (baseline_id, fingerprint)
        SELECT DISTINCT NEW.id, fp FROM unnest(NEW.fingerprints) AS fp;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER baselines_fingerprint_rows AFTER INSERT ON baselines
      FOR EACH ROW EXECUTE FUNCTION driftwatch_baseline_fingerprints()`);
    await q.query(`
      CREATE FUNCTION driftwatch_baseline_fingerprints_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'a baseline''s fingerprints are immutable' USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`
      CREATE TRIGGER baselines_fingerprints_fixed BEFORE UPDATE OF fingerprints ON baselines
      FOR EACH ROW WHEN (OLD.fingerprints IS DISTINCT FROM NEW.fingerprints)
      EXECUTE FUNCTION driftwatch_baseline_fingerprints_fixed()`);
    // The latest baseline of a scope, tie-broken by id as every reader orders it, without a sort.
    await q.query(`DROP INDEX baselines_scope_idx`);
    await q.query(
      `CREATE INDEX baselines_scope_latest_idx ON baselines (scope_id, created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX baselines_scope_latest_idx`);
    await q.query(`CREATE INDEX baselines_scope_idx ON baselines (scope_id, created_at DESC)`);
    await q.query(`DROP TRIGGER baselines_fingerprints_fixed ON baselines`);
    await q.query(`DROP FUNCTION driftwatch_baseline_fingerprints_fixed()`);
    await q.query(`DROP TRIGGER baselines_fingerprint_rows ON baselines`);
    await q.query(`DROP FUNCTION driftwatch_baseline_fingerprints()`);
    await q.query(`DROP TABLE baseline_fingerprints`);
  }
}

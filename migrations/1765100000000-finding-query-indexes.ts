import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keyset-paged finding queries (docs/decisions/0014): one composite index per documented sort,
 * each ending in id so `(sort key, id)` is a total order the cursor can resume from, led by
 * scope_id for the usual scoped list and by severity for the scope + severity list. Severity
 * sorts by a stored rank (critical 0 … info 4), not alphabetically. Requirement filters match
 * either a full requirement id or its clause number ("2.2.7") through a GIN index on the clauses.
 * The changes feed across scopes pages by (detected_at, id).
 */
export class FindingQueryIndexes1765100000000 implements MigrationInterface {
  name = 'FindingQueryIndexes1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE findings ADD COLUMN severity_rank smallint GENERATED ALWAYS AS (
        CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END
      ) STORED`);
    // The clause numbers of requirement ids ('PCI DSS v4.0.1 2.2.7' → '2.2.7'): text in, text out.
    await q.query(`
      CREATE FUNCTION driftwatch_requirement_clauses(ids text[]) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      AS $$ SELECT coalesce(array_agg(regexp_replace(r, '^.* ', '')), '{}') FROM unnest(ids) AS r $$`);
    // Superseded by the scope-led indexes below.
    await q.query(`DROP INDEX findings_filter_idx`);
    await q.query(
      `CREATE INDEX findings_scope_severity_seen_idx ON findings (scope_id, severity, last_seen_at, id)`,
    );
    await q.query(`CREATE INDEX findings_scope_seen_idx ON findings (scope_id, last_seen_at, id)`);
    await q.query(`CREATE INDEX findings_scope_first_failed_idx ON findings (scope_id, first_seen_at, id)`);
    await q.query(`CREATE INDEX findings_scope_rank_idx ON findings (scope_id, severity_rank, id)`);
    await q.query(`CREATE INDEX findings_seen_idx ON findings (last_seen_at, id)`);
    await q.query(`CREATE INDEX findings_asset_idx ON findings (asset)`);
    await q.query(`CREATE INDEX findings_rule_idx ON findings (rule_id)`);
    await q.query(
      `CREATE INDEX findings_requirement_clauses_idx ON findings USING gin (driftwatch_requirement_clauses(requirements))`,
    );
    await q.query(`CREATE INDEX changes_detected_idx ON changes (detected_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX changes_detected_idx`);
    await q.query(`DROP INDEX findings_requirement_clauses_idx`);
    await q.query(`DROP INDEX findings_rule_idx`);
    await q.query(`DROP INDEX findings_asset_idx`);
    await q.query(`DROP INDEX findings_seen_idx`);
    await q.query(`DROP INDEX findings_scope_rank_idx`);
    await q.query(`DROP INDEX findings_scope_first_failed_idx`);
    await q.query(`DROP INDEX findings_scope_seen_idx`);
    await q.query(`DROP INDEX findings_scope_severity_seen_idx`);
    await q.query(`CREATE INDEX findings_filter_idx ON findings (scope_id, status, severity)`);
    await q.query(`DROP FUNCTION driftwatch_requirement_clauses`);
    await q.query(`ALTER TABLE findings DROP COLUMN severity_rank`);
  }
}

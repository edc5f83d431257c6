import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a finding said, as of every evaluation: a version row each time an evaluation changes its
 * title, requirements, severity, message, remediation or evidence (a rescan that changes nothing
 * adds nothing). The findings row holds only the latest; an old evaluation's OSCAL document and
 * evidence bundle read the version valid at that evaluation, so they stay the bytes handed out
 * before. Append-only, like finding_transitions. docs/decisions/0016, decision 10.
 */
export class FindingVersions1765600000000 implements MigrationInterface {
  name = 'FindingVersions1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE finding_versions (
        id bigserial PRIMARY KEY,
        finding_id uuid NOT NULL REFERENCES findings (id),
        valid_from timestamptz NOT NULL,
        snapshot_id uuid REFERENCES snapshots (id),
        policy_version text NOT NULL,
        title text NOT NULL,
        requirements text[] NOT NULL,
        severity text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
        message text NOT NULL,
        remediation text,
        evidence jsonb NOT NULL
      )`);
    // Versions recorded before this table existed are unknown: each finding starts with what it
    // says now, from its first failure.
    await q.query(`
      INSERT INTO finding_versions (finding_id, valid_from, snapshot_id, policy_version, title, requirements,
                                    severity, message, remediation, evidence)
      SELECT id, first_seen_at, first_snapshot_id, policy_version, title, requirements, severity, message,
             remediation, evidence
        FROM findings`);
    await q.query(
      `CREATE INDEX finding_versions_finding_idx ON finding_versions (finding_id, valid_from DESC, id DESC)`,
    );
    await q.query(`
      CREATE FUNCTION finding_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'finding_versions is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER finding_versions_append_only BEFORE UPDATE OR DELETE ON finding_versions
      FOR EACH ROW EXECUTE FUNCTION finding_versions_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER finding_versions_append_only ON finding_versions`);
    await q.query(`DROP FUNCTION finding_versions_append_only()`);
    await q.query(`DROP TABLE finding_versions`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The finding lifecycle: every status change is kept (finding_transitions, append-only), a
 * waiver turns a finding to "excepted" until it expires or is revoked, and a baseline records
 * which findings failed at an approved snapshot, so each finding can say whether it is new.
 */
export class FindingLifecycle1764600000000 implements MigrationInterface {
  name = 'FindingLifecycle1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE findings DROP CONSTRAINT findings_status_check`);
    await q.query(
      `ALTER TABLE findings ADD CONSTRAINT findings_status_check CHECK (status IN ('open', 'resolved', 'excepted'))`,
    );
    await q.query(`ALTER TABLE findings ADD COLUMN port integer, ADD COLUMN protocol text`);
    await q.query(`
      UPDATE findings SET protocol = split_part(subject, '/', 1), port = split_part(subject, '/', 2)::integer
      WHERE subject ~ '^(tcp|udp|sctp|ip)/[0-9]{1,5}$'`);

    await q.query(`
      CREATE TABLE waivers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope_id uuid NOT NULL REFERENCES scopes(id),
        finding_id uuid NOT NULL REFERENCES findings(id),
        justification text NOT NULL,
        approver text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        created_by uuid,
        revoked_at timestamptz,
        revoked_by uuid,
        expired_at timestamptz
      )`);
    // One waiver in force per finding.
    await q.query(
      `CREATE UNIQUE INDEX waivers_in_force_idx ON waivers (finding_id) WHERE revoked_at IS NULL AND expired_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX waivers_due_idx ON waivers (expires_at) WHERE revoked_at IS NULL AND expired_at IS NULL`,
    );
    await q.query(`CREATE INDEX waivers_scope_idx ON waivers (scope_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE finding_transitions (
        id bigserial PRIMARY KEY,
        finding_id uuid NOT NULL REFERENCES findings(id),
        from_status text,
        to_status text NOT NULL CHECK (to_status IN ('open', 'resolved', 'excepted')),
        at timestamptz NOT NULL,
        reason text NOT NULL,
        snapshot_id uuid REFERENCES snapshots(id),
        waiver_id uuid REFERENCES waivers(id),
        actor uuid,
        policy_version text
      )`);
    await q.query(`CREATE INDEX finding_transitions_finding_idx ON finding_transitions (finding_id, id)`);
    // History is kept, never rewritten.
    await q.query(`
      CREATE FUNCTION finding_transitions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'finding_transitions is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER finding_transitions_append_only BEFORE UPDATE OR DELETE ON finding_transitions
      FOR EACH ROW EXECUTE FUNCTION finding_transitions_append_only()`);
    // Existing findings get the history their columns still show.
    await q.query(`
      INSERT INTO finding_transitions (finding_id, from_status, to_status, at, reason, snapshot_id, policy_version)
      SELECT id, NULL, 'open', first_seen_at, 'first failed', first_snapshot_id, policy_version FROM findings`);
    await q.query(`
      INSERT INTO finding_transitions (finding_id, from_status, to_status, at, reason, snapshot_id, policy_version)
      SELECT id, 'open', 'resolved', resolved_at, 'no longer fails', resolved_snapshot_id, policy_version
      FROM findings WHERE status = 'resolved' AND resolved_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE baselines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope_id uuid NOT NULL REFERENCES scopes(id),
        snapshot_id uuid NOT NULL REFERENCES snapshots(id),
        taken_at timestamptz NOT NULL,
        policy_version text NOT NULL,
        fingerprints char(64)[] NOT NULL,
        note text,
        approved_by uuid,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX baselines_scope_idx ON baselines (scope_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE baselines`);
    await q.query(`DROP TABLE finding_transitions`);
    await q.query(`DROP FUNCTION finding_transitions_append_only`);
    await q.query(`DROP TABLE waivers`);
    await q.query(`ALTER TABLE findings DROP COLUMN port, DROP COLUMN protocol`);
    await q.query(`UPDATE findings SET status = 'open' WHERE status = 'excepted'`);
    await q.query(`ALTER TABLE findings DROP CONSTRAINT findings_status_check`);
    await q.query(
      `ALTER TABLE findings ADD CONSTRAINT findings_status_check CHECK (status IN ('open', 'resolved'))`,
    );
  }
}

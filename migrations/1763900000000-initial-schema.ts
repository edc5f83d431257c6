import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scopes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        targets text[] NOT NULL,
        ports jsonb NOT NULL,
        approved_ports integer[] NOT NULL DEFAULT '{}',
        schedule text,
        vantage text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    // Names are unique among live scopes; a deleted scope keeps its history and frees its name.
    await q.query(`CREATE UNIQUE INDEX scopes_name_live_uq ON scopes (name) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE scans (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope_id uuid NOT NULL REFERENCES scopes(id),
        trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
        slot timestamptz,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'evaluating', 'completed', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        queued_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        error text,
        snapshot_id uuid,
        warnings jsonb NOT NULL DEFAULT '[]',
        CHECK ((trigger = 'schedule') = (slot IS NOT NULL))
      )`);
    // The second guard (after BullMQ's deterministic job id) against running one slot twice.
    await q.query(`CREATE UNIQUE INDEX scans_scope_slot_uq ON scans (scope_id, slot) WHERE slot IS NOT NULL`);
    await q.query(`CREATE INDEX scans_scope_queued_idx ON scans (scope_id, queued_at DESC)`);

    await q.query(`
      CREATE TABLE snapshots (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope_id uuid NOT NULL REFERENCES scopes(id),
        scan_id uuid NOT NULL UNIQUE REFERENCES scans(id),
        vantage text NOT NULL,
        taken_at timestamptz NOT NULL,
        content_hash char(64) NOT NULL,
        hosts jsonb NOT NULL,
        run jsonb NOT NULL,
        host_count integer NOT NULL,
        open_port_count integer NOT NULL
      )`);
    await q.query(`CREATE INDEX snapshots_scope_taken_idx ON snapshots (scope_id, taken_at DESC)`);
    await q.query(
      `ALTER TABLE scans ADD CONSTRAINT scans_snapshot_fk FOREIGN KEY (snapshot_id) REFERENCES snapshots(id)`,
    );
    await q.query(`
      CREATE FUNCTION driftwatch_refuse_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`
      CREATE TRIGGER snapshots_immutable BEFORE UPDATE OR DELETE ON snapshots
      FOR EACH ROW EXECUTE FUNCTION driftwatch_refuse_mutation()`);

    await q.query(`
      CREATE TABLE observations (
        id bigserial PRIMARY KEY,
        scope_id uuid NOT NULL REFERENCES scopes(id),
        address text NOT NULL,
        protocol text NOT NULL,
        port integer NOT NULL,
        state text NOT NULL,
        attributes jsonb NOT NULL,
        attributes_hash char(64) NOT NULL,
        first_seen_snapshot_id uuid NOT NULL REFERENCES snapshots(id),
        first_seen_at timestamptz NOT NULL,
        closed_snapshot_id uuid REFERENCES snapshots(id),
        closed_at timestamptz,
        CHECK ((closed_at IS NULL) = (closed_snapshot_id IS NULL))
      )`);
    await q.query(`
      CREATE UNIQUE INDEX observations_current_uq ON observations (scope_id, address, protocol, port)
      WHERE closed_at IS NULL`);
    await q.query(`CREATE INDEX observations_asof_idx ON observations (scope_id, first_seen_at, closed_at)`);

    await q.query(`
      CREATE TABLE findings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope_id uuid NOT NULL REFERENCES scopes(id),
        fingerprint char(64) NOT NULL,
        rule_id text NOT NULL,
        title text NOT NULL,
        requirements text[] NOT NULL,
        severity text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
        asset text NOT NULL,
        subject text NOT NULL,
        message text NOT NULL,
        remediation text,
        evidence jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('open', 'resolved')),
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        resolved_at timestamptz,
        first_snapshot_id uuid NOT NULL REFERENCES snapshots(id),
        last_snapshot_id uuid NOT NULL REFERENCES snapshots(id),
        resolved_snapshot_id uuid REFERENCES snapshots(id),
        policy_version text NOT NULL,
        UNIQUE (scope_id, fingerprint)
      )`);
    await q.query(`CREATE INDEX findings_filter_idx ON findings (scope_id, status, severity)`);
    await q.query(
      `CREATE INDEX findings_status_severity_idx ON findings (status, severity, first_seen_at DESC)`,
    );

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        prefix text NOT NULL UNIQUE,
        secret_hash char(64) NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'analyst', 'auditor', 'ci', 'scanner')),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE findings`);
    await q.query(`DROP TABLE observations`);
    await q.query(`ALTER TABLE scans DROP CONSTRAINT scans_snapshot_fk`);
    await q.query(`DROP TABLE snapshots`);
    await q.query(`DROP FUNCTION driftwatch_refuse_mutation()`);
    await q.query(`DROP TABLE scans`);
    await q.query(`DROP TABLE scopes`);
  }
}

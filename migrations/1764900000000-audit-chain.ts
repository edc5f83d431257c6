import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tamper-evident audit trail and the record of every evaluation.
 *
 * `audit_entries` is a hash chain (libs/core audit-chain.ts): entry n stores the hash of entry n-1
 * and sha256(that hash + its own canonical content). Appends take one transaction-scoped advisory
 * lock, so `seq` has no gaps and each link is to the entry truly before it. The database refuses
 * UPDATE, DELETE and TRUNCATE; an attacker who disables the trigger still cannot rewrite an entry
 * without breaking the hashes that `GET /audit/verify` recomputes.
 *
 * `evaluations` keeps what each evaluation judged (snapshot, policy and context versions, moment)
 * and a digest of the findings it saw failing, immutable, so an evaluation can be exported and proven later.
 */
export class AuditChain1764900000000 implements MigrationInterface {
  name = 'AuditChain1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_entries (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        at timestamptz NOT NULL,
        actor text NOT NULL,
        actor_name text NOT NULL,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        scope_id uuid,
        details jsonb NOT NULL,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL UNIQUE
      )`);
    await q.query(`CREATE INDEX audit_entries_subject ON audit_entries (subject_type, subject_id)`);
    await q.query(
      `CREATE INDEX audit_entries_scope ON audit_entries (scope_id, seq) WHERE scope_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_entries_action ON audit_entries (action, seq)`);
    await q.query(`CREATE INDEX audit_entries_at ON audit_entries (at)`);
    await q.query(`
      CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
      FOR EACH ROW EXECUTE FUNCTION driftwatch_refuse_mutation()`);
    await q.query(`
      CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
      FOR EACH STATEMENT EXECUTE FUNCTION driftwatch_refuse_mutation()`);

    await q.query(`
      CREATE TABLE evaluations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope_id uuid NOT NULL REFERENCES scopes(id),
        snapshot_id uuid NOT NULL REFERENCES snapshots(id),
        scan_id uuid,
        policy_name text NOT NULL,
        policy_version text NOT NULL,
        context_version text,
        at timestamptz NOT NULL,
        evaluated_at timestamptz NOT NULL,
        result_count integer NOT NULL,
        results_hash char(64) NOT NULL,
        failing_count integer NOT NULL,
        failing_hash char(64) NOT NULL,
        opened integer NOT NULL,
        seen integer NOT NULL,
        resolved integer NOT NULL
      )`);
    await q.query(`CREATE INDEX evaluations_scope ON evaluations (scope_id, evaluated_at DESC)`);
    await q.query(`CREATE INDEX evaluations_snapshot ON evaluations (snapshot_id)`);
    await q.query(`
      CREATE TRIGGER evaluations_immutable BEFORE UPDATE OR DELETE ON evaluations
      FOR EACH ROW EXECUTE FUNCTION driftwatch_refuse_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE evaluations`);
    await q.query(`DROP TABLE audit_entries`);
  }
}

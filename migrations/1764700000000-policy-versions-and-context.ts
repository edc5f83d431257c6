import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Policy as data: every policy pack that was accepted is kept as a version (its files, keyed by
 * the compiled version hash), exactly one of them active. The policy context (zones, roles,
 * declared inventory, approved flows and changes) is kept as append-only versions; the newest
 * is the current one.
 */
export class PolicyVersionsAndContext1764700000000 implements MigrationInterface {
  name = 'PolicyVersionsAndContext1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE policy_versions (
        version text PRIMARY KEY,
        name text NOT NULL,
        files jsonb NOT NULL,
        rule_count integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        activated_at timestamptz,
        active boolean NOT NULL DEFAULT false,
        CHECK (NOT active OR activated_at IS NOT NULL)
      )`);
    // At most one active version, whatever replicas do concurrently.
    await q.query(`CREATE UNIQUE INDEX policy_versions_active_uq ON policy_versions (active) WHERE active`);
    await q.query(`CREATE INDEX policy_versions_created_idx ON policy_versions (created_at DESC)`);

    await q.query(`
      CREATE TABLE policy_contexts (
        id bigserial PRIMARY KEY,
        document jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL
      )`);
    // A context version is history: it is never rewritten, a change is a new version.
    await q.query(`
      CREATE TRIGGER policy_contexts_immutable BEFORE UPDATE OR DELETE ON policy_contexts
      FOR EACH ROW EXECUTE FUNCTION driftwatch_refuse_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE policy_contexts`);
    await q.query(`DROP TABLE policy_versions`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Configuration state beside the network state. A config document (a firewall ruleset, `sshd -T`
 * output, a PAN-scan report...) is stored once per distinct content of an asset's kind: immutable
 * and content-hashed. Which document was in force when is kept as intervals, as observations are:
 * an unchanged resubmission only moves `last_confirmed_at`; a different one closes the current
 * interval, opens one and records the semantic changes and a line diff between the two.
 */
export class ConfigDocuments1764800000000 implements MigrationInterface {
  name = 'ConfigDocuments1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE config_schemas (
        name text PRIMARY KEY,
        schema jsonb NOT NULL,
        description text,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL
      )`);
    // A schema documents may have been validated against: never rewritten, register a new name.
    await q.query(`
      CREATE TRIGGER config_schemas_immutable BEFORE UPDATE OR DELETE ON config_schemas
      FOR EACH ROW EXECUTE FUNCTION driftwatch_refuse_mutation()`);

    await q.query(`
      CREATE TABLE config_documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope_id uuid NOT NULL REFERENCES scopes(id),
        asset text NOT NULL,
        kind text NOT NULL,
        tag text NOT NULL DEFAULT '' CHECK (tag IN ('', 'running', 'startup')),
        schema_name text REFERENCES config_schemas(name),
        content_hash char(64) NOT NULL,
        content text NOT NULL,
        facts jsonb NOT NULL,
        collected_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        submitted_by text NOT NULL,
        UNIQUE (scope_id, asset, kind, tag, content_hash)
      )`);
    await q.query(`
      CREATE TRIGGER config_documents_immutable BEFORE UPDATE OR DELETE ON config_documents
      FOR EACH ROW EXECUTE FUNCTION driftwatch_refuse_mutation()`);

    await q.query(`
      CREATE TABLE config_states (
        id bigserial PRIMARY KEY,
        scope_id uuid NOT NULL REFERENCES scopes(id),
        asset text NOT NULL,
        kind text NOT NULL,
        tag text NOT NULL DEFAULT '',
        document_id uuid NOT NULL REFERENCES config_documents(id),
        valid_from timestamptz NOT NULL,
        valid_to timestamptz,
        last_confirmed_at timestamptz NOT NULL,
        confirmations integer NOT NULL DEFAULT 1,
        CHECK (valid_to IS NULL OR valid_to >= valid_from)
      )`);
    // One document in force per asset, kind and tag, whatever replicas do concurrently.
    await q.query(
      `CREATE UNIQUE INDEX config_states_current_uq ON config_states (scope_id, asset, kind, tag) WHERE valid_to IS NULL`,
    );
    await q.query(`CREATE INDEX config_states_time_idx ON config_states (scope_id, valid_from, valid_to)`);

    await q.query(`
      CREATE TABLE config_changes (
        id bigserial PRIMARY KEY,
        scope_id uuid NOT NULL REFERENCES scopes(id),
        asset text NOT NULL,
        kind text NOT NULL,
        tag text NOT NULL DEFAULT '',
        from_document_id uuid REFERENCES config_documents(id),
        to_document_id uuid NOT NULL REFERENCES config_documents(id),
        detected_at timestamptz NOT NULL,
        changes jsonb NOT NULL,
        line_diff text NOT NULL,
        line_diff_truncated boolean NOT NULL DEFAULT false
      )`);
    await q.query(
      `CREATE INDEX config_changes_scope_idx ON config_changes (scope_id, detected_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TRIGGER config_changes_immutable BEFORE UPDATE OR DELETE ON config_changes
      FOR EACH ROW EXECUTE FUNCTION driftwatch_refuse_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE config_changes`);
    await q.query(`DROP TABLE config_states`);
    await q.query(`DROP TABLE config_documents`);
    await q.query(`DROP TABLE config_schemas`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A `json` document's registered schema is part of its stream: an asset may hold documents of
 * several schemas (an application's settings and its card-data inventory), each in force at
 * once. The stream key was (scope, asset, kind, tag), so a document of a second schema replaced
 * the first and was recorded as drift, and the same content under another schema was "unchanged"
 * and kept the first schema's name. `config_states.schema_name` is '' for the built-in kinds;
 * existing intervals take their document's schema. docs/decisions/0012, decision 6.
 */
export class ConfigStreamSchema1765800000000 implements MigrationInterface {
  name = 'ConfigStreamSchema1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE config_states ADD COLUMN schema_name text NOT NULL DEFAULT ''`);
    await q.query(`
      UPDATE config_states s SET schema_name = d.schema_name
        FROM config_documents d WHERE d.id = s.document_id AND d.schema_name IS NOT NULL`);
    await q.query(`DROP INDEX config_states_current_uq`);
    await q.query(`
      CREATE UNIQUE INDEX config_states_current_uq ON config_states (scope_id, asset, kind, tag, schema_name)
        WHERE valid_to IS NULL`);
    await q.query(
      `ALTER TABLE config_documents DROP CONSTRAINT config_documents_scope_id_asset_kind_tag_content_hash_key`,
    );
    await q.query(`
      CREATE UNIQUE INDEX config_documents_stream_content_uq
        ON config_documents (scope_id, asset, kind, tag, (coalesce(schema_name, '')), content_hash)`);
  }

  /** Fails when an asset has documents of several schemas in force: pick one before going back. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX config_documents_stream_content_uq`);
    await q.query(`
      ALTER TABLE config_documents ADD CONSTRAINT config_documents_scope_id_asset_kind_tag_content_hash_key
        UNIQUE (scope_id, asset, kind, tag, content_hash)`);
    await q.query(`DROP INDEX config_states_current_uq`);
    await q.query(`
      CREATE UNIQUE INDEX config_states_current_uq ON config_states (scope_id, asset, kind, tag)
        WHERE valid_to IS NULL`);
    await q.query(`ALTER TABLE config_states DROP COLUMN schema_name`);
  }
}

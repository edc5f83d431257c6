import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Drift: the changes between each snapshot and the one before it, stored with the snapshot. */
export class Changes1764200000000 implements MigrationInterface {
  name = 'Changes1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE changes (
        id bigserial PRIMARY KEY,
        scope_id uuid NOT NULL REFERENCES scopes(id),
        snapshot_id uuid NOT NULL REFERENCES snapshots(id),
        previous_snapshot_id uuid NOT NULL REFERENCES snapshots(id),
        seq integer NOT NULL,
        type text NOT NULL,
        address text NOT NULL,
        protocol text,
        port integer,
        before jsonb,
        after jsonb,
        detected_at timestamptz NOT NULL,
        UNIQUE (snapshot_id, seq)
      )`);
    await q.query(`CREATE INDEX changes_scope_detected_idx ON changes (scope_id, detected_at, id)`);
    await q.query(`CREATE INDEX changes_address_idx ON changes (address, detected_at)`);
    await q.query(`
      CREATE TRIGGER changes_immutable BEFORE UPDATE OR DELETE ON changes
      FOR EACH ROW EXECUTE FUNCTION driftwatch_refuse_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE changes`);
  }
}

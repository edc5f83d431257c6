import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: a scope has any number of endpoints, each subscribed to some event types and signing
 * with its own secret. Every event sent to an endpoint is a delivery row, written in the same
 * transaction as the change it reports (an outbox) and then carried by a queue job whose id is the
 * delivery id: an admin sees what was sent, how often it was tried and why it failed.
 */
export class Webhooks1765000000000 implements MigrationInterface {
  name = 'Webhooks1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope_id uuid NOT NULL REFERENCES scopes(id),
        url text NOT NULL,
        events text[] NOT NULL CHECK (
          cardinality(events) > 0
          AND events <@ ARRAY['finding.opened', 'finding.reopened', 'drift.detected']::text[]
        ),
        secret text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        created_by uuid,
        deleted_at timestamptz,
        deleted_by uuid
      )`);
    await q.query(`CREATE INDEX webhooks_scope_idx ON webhooks (scope_id) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhooks(id),
        event_id uuid NOT NULL,
        event_type text NOT NULL
          CHECK (event_type IN ('finding.opened', 'finding.reopened', 'drift.detected', 'ping')),
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error text,
        next_attempt_at timestamptz,
        created_at timestamptz NOT NULL,
        delivered_at timestamptz,
        UNIQUE (webhook_id, event_id)
      )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC, id)`,
    );
    // The sweep looks only at what is still to be sent.
    await q.query(
      `CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (created_at) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhooks`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A fourth webhook event, `config.drift`: a configuration document (a firewall ruleset, sshd
 * settings, …) that changed from the one in force on its asset. docs/decisions/0015.
 */
export class WebhookConfigDrift1765300000000 implements MigrationInterface {
  name = 'WebhookConfigDrift1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhooks DROP CONSTRAINT webhooks_events_check`);
    await q.query(`
      ALTER TABLE webhooks ADD CONSTRAINT webhooks_events_check CHECK (
        cardinality(events) > 0
        AND events <@ ARRAY['finding.opened', 'finding.reopened', 'drift.detected', 'config.drift']::text[]
      )`);
    await q.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_type_check`);
    await q.query(`
      ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_type_check CHECK (
        event_type IN ('finding.opened', 'finding.reopened', 'drift.detected', 'config.drift', 'ping')
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM webhook_deliveries WHERE event_type = 'config.drift'`);
    await q.query(`UPDATE webhooks SET events = array_remove(events, 'config.drift')`);
    await q.query(`DELETE FROM webhooks WHERE cardinality(events) = 0`);
    await q.query(`ALTER TABLE webhooks DROP CONSTRAINT webhooks_events_check`);
    await q.query(`
      ALTER TABLE webhooks ADD CONSTRAINT webhooks_events_check CHECK (
        cardinality(events) > 0
        AND events <@ ARRAY['finding.opened', 'finding.reopened', 'drift.detected']::text[]
      )`);
    await q.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_type_check`);
    await q.query(`
      ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_type_check CHECK (
        event_type IN ('finding.opened', 'finding.reopened', 'drift.detected', 'ping')
      )`);
  }
}

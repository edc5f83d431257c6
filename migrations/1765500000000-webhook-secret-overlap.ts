import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A rotated webhook secret may keep signing for a while next to the new one, so a receiver can
 * switch without refusing deliveries in between. docs/decisions/0015.
 */
export class WebhookSecretOverlap1765500000000 implements MigrationInterface {
  name = 'WebhookSecretOverlap1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhooks
        ADD COLUMN previous_secret text,
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD CONSTRAINT webhooks_previous_secret_check
          CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhooks
        DROP CONSTRAINT webhooks_previous_secret_check,
        DROP COLUMN previous_secret_expires_at,
        DROP COLUMN previous_secret`);
  }
}

import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The event types a webhook can subscribe to; `ping` is sent only on request (POST …/test). */
export const WEBHOOK_EVENT_TYPES = [
  'finding.opened',
  'finding.reopened',
  'drift.detected',
  'config.drift',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export type WebhookDeliveryEventType = WebhookEventType | 'ping';
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** An endpoint of a scope that receives signed events. The secret never leaves the server after creation. */
@Entity('webhooks')
export class WebhookEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'scope_id' }) scopeId!: string;
  @Column('text') url!: string;
  @Column('text', { array: true }) events!: WebhookEventType[];
  /** Kept retrievable: the server signs every delivery with it (see ADR 0015). */
  @Column('text') secret!: string;
  /** After a rotation with an overlap, the old secret also signs deliveries until it expires. */
  @Column('text', { name: 'previous_secret', nullable: true }) previousSecret!: string | null;
  @Column('timestamptz', { name: 'previous_secret_expires_at', nullable: true })
  previousSecretExpiresAt!: Date | null;
  @Column('boolean') enabled!: boolean;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  /** Deleted webhooks are kept (their deliveries stay readable) but receive nothing more. */
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
  @Column('uuid', { name: 'deleted_by', nullable: true }) deletedBy!: string | null;
}

/** One event sent (or to be sent) to one webhook: what was sent, how often, and why it failed. */
@Entity('webhook_deliveries')
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'webhook_id' }) webhookId!: string;
  @Column('uuid', { name: 'event_id' }) eventId!: string;
  @Column('text', { name: 'event_type' }) eventType!: WebhookDeliveryEventType;
  @Column('jsonb') payload!: Record<string, unknown>;
  @Column('text') status!: WebhookDeliveryStatus;
  @Column('integer') attempts!: number;
  @Column('integer', { name: 'last_status_code', nullable: true }) lastStatusCode!: number | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) nextAttemptAt!: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'delivered_at', nullable: true }) deliveredAt!: Date | null;
}

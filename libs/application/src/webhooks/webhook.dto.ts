import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

import {
  WEBHOOK_EVENT_TYPES,
  type WebhookDeliveryEntity,
  type WebhookDeliveryEventType,
  type WebhookDeliveryStatus,
  type WebhookEntity,
  type WebhookEventType,
} from '@driftwatch/persistence';

import { PageMetaDto, PageQueryDto } from '@driftwatch/application/common/pagination';

import { WEBHOOK_URL_MAX_LENGTH } from './webhook-url';

export class CreateWebhookDto {
  @ApiProperty({
    description:
      'Absolute URL the events are POSTed to; https, except loopback hosts and WEBHOOK_ALLOW_HTTP_HOSTS. No credentials in it.',
    example: 'https://hooks.example.com/driftwatch',
    maxLength: WEBHOOK_URL_MAX_LENGTH,
  })
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, description: 'The event types to receive' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events!: WebhookEventType[];
}

/** What may change on a webhook; members left out keep their value. */
/**
 * An optional field of a change: absent leaves it as it is, and null is not a value of it (a
 * webhook's URL, events and enabled flag are never empty). @IsOptional lets null through as
 * "absent", and the change then wrote null: a 500 from the URL check or a NOT NULL column.
 */
function IsAbsentOrValid(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({
    description: 'A new receiver URL, checked as at creation',
    maxLength: WEBHOOK_URL_MAX_LENGTH,
  })
  @IsAbsentOrValid()
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  url?: string;

  @ApiPropertyOptional({
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    description: 'The event types to receive',
  })
  @IsAbsentOrValid()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events?: WebhookEventType[];

  @ApiPropertyOptional({
    description: 'false pauses the webhook: no new events, and deliveries not yet sent fail',
  })
  @IsAbsentOrValid()
  @IsBoolean()
  enabled?: boolean;
}

/** The previous secret may keep signing for up to a week next to the new one. */
export const MAX_SECRET_OVERLAP_HOURS = 168;

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_SECRET_OVERLAP_HOURS,
    default: 0,
    description:
      'Hours the previous secret keeps signing next to the new one (each delivery then carries both ' +
      'signatures), so the receiver can switch without refusing deliveries. 0: it stops at once.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SECRET_OVERLAP_HOURS)
  overlapHours?: number;
}

export class WebhookResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true }) events!: WebhookEventType[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) createdBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) deletedAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'When the previous secret stops (or stopped) signing next to the current one after a rotation with an overlap; null when the last rotation had none',
  })
  rotationOverlapEndsAt!: string | null;
}

/** Only the creation answer carries the secret: it is never shown again. */
export class WebhookCreatedResponseDto extends WebhookResponseDto {
  @ApiProperty({
    description:
      'The signing secret (HMAC-SHA256 key). Shown once: store it in the receiver now; it cannot be read again.',
  })
  secret!: string;
}

export class WebhookListResponseDto {
  @ApiProperty({ type: [WebhookResponseDto] }) items!: WebhookResponseDto[];
}

export class ListWebhookDeliveriesQueryDto extends PageQueryDto {}

export class WebhookDeliveryResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() webhookId!: string;
  @ApiProperty({ description: 'The event id (the payload `id`), shared by every webhook the event went to' })
  eventId!: string;
  @ApiProperty({ enum: [...WEBHOOK_EVENT_TYPES, 'ping'] }) eventType!: WebhookDeliveryEventType;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!: WebhookDeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: Number }) lastStatusCode!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) nextAttemptAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) deliveredAt!: string | null;
  @ApiPropertyOptional({ description: 'The JSON body that is (or was) sent', type: Object })
  payload!: Record<string, unknown>;
}

export class WebhookDeliveryListResponseDto {
  @ApiProperty({ type: [WebhookDeliveryResponseDto] }) items!: WebhookDeliveryResponseDto[];
  @ApiProperty() page!: PageMetaDto;
}

export function mapWebhook(w: WebhookEntity): WebhookResponseDto {
  return {
    id: w.id,
    scopeId: w.scopeId,
    url: w.url,
    events: w.events,
    enabled: w.enabled,
    createdAt: w.createdAt.toISOString(),
    createdBy: w.createdBy,
    deletedAt: w.deletedAt?.toISOString() ?? null,
    rotationOverlapEndsAt: w.previousSecretExpiresAt?.toISOString() ?? null,
  };
}

export function mapWebhookDelivery(d: WebhookDeliveryEntity): WebhookDeliveryResponseDto {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    payload: d.payload,
  };
}

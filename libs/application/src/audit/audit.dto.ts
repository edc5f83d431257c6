import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';

import { IsTimestamp } from '@driftwatch/application/common/timestamp';

import type { AuditEntry } from '@driftwatch/core';

export const AUDIT_MAX_LIMIT = 1000;
const NAME = /^[a-z][a-z0-9.-]{0,99}$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A UUID in the lower case the trail stores (PostgreSQL writes uuids so, and entries are hashed
 * over that text): an id pasted in upper case finds its entries instead of none.
 */
function lowerCaseUuid({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const id = value.startsWith('key:') ? value.slice(4) : value;
  return UUID.test(id) ? value.toLowerCase() : value;
}

/** `?action=a,b` as well as `?action=a&action=b`. */
function commaList({ value }: { value: unknown }): unknown {
  if (typeof value === 'string') return value.split(',').filter((v) => v !== '');
  return value;
}

export class ListAuditQueryDto {
  @ApiPropertyOptional({ description: 'Actions, e.g. `waiver.created,scope.updated`', type: [String] })
  @IsOptional()
  @Transform(commaList)
  @IsString({ each: true })
  @Matches(NAME, { each: true })
  action?: string[];

  @ApiPropertyOptional({ description: '`key:<id>` or `system:<name>`' })
  @IsOptional()
  @Transform(lowerCaseUuid)
  @IsString()
  @Matches(/^(key:[0-9a-f-]{36}|system:[a-z][a-z0-9-]{0,63})$/)
  actor?: string;

  @ApiPropertyOptional({ description: 'e.g. scope, snapshot, evaluation, waiver' })
  @IsOptional()
  @IsString()
  @Matches(NAME)
  subjectType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(lowerCaseUuid)
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,200}$/)
  subjectId?: string;

  @ApiPropertyOptional() @IsOptional() @IsUUID() scope?: string;

  @ApiPropertyOptional({ description: 'Entries at or after this time (RFC 3339, with its offset)' })
  @IsOptional()
  @IsTimestamp()
  from?: string;

  @ApiPropertyOptional({ description: 'Entries before this time (RFC 3339, with its offset)' })
  @IsOptional()
  @IsTimestamp()
  to?: string;

  @ApiPropertyOptional({
    description: "Keyset: entries after this sequence number (the previous page's `nextAfter`)",
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;

  @ApiPropertyOptional({ default: 100, maximum: AUDIT_MAX_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_MAX_LIMIT)
  limit?: number;
}

export class VerifyAuditQueryDto {
  @ApiPropertyOptional({
    description:
      "The seq of an entry recorded outside the database (e.g. an earlier verify's head); with anchorHash",
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  anchorSeq?: number;

  @ApiPropertyOptional({ description: "That entry's hash (64 lowercase hex); with anchorSeq" })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'must be 64 lowercase hex digits' })
  anchorHash?: string;
}

export class AuditEntryDto {
  @ApiProperty() seq!: number;
  @ApiProperty() at!: string;
  @ApiProperty({ description: '`key:<id>` or `system:<name>`' }) actor!: string;
  @ApiProperty() actorName!: string;
  @ApiProperty() action!: string;
  @ApiProperty() subjectType!: string;
  @ApiProperty() subjectId!: string;
  @ApiProperty({ nullable: true, type: String }) scopeId!: string | null;
  @ApiProperty({ type: Object }) details!: Record<string, unknown>;
  @ApiProperty({ description: 'sha256 of the entry before (64 zeros for the first)' }) prevHash!: string;
  @ApiProperty({ description: 'sha256(prevHash + canonical JSON of this entry)' }) hash!: string;
}

export class AuditListResponseDto {
  @ApiProperty({ type: [AuditEntryDto] }) items!: AuditEntryDto[];
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Pass as `after` for the next page; null at the end',
  })
  nextAfter!: number | null;
}

export class ChainHeadDto {
  @ApiProperty() seq!: number;
  @ApiProperty() hash!: string;
}

export class ChainAnchorDto extends ChainHeadDto {
  @ApiProperty() matched!: boolean;
}

export const AUDIT_BREAK_REASONS = [
  'content-altered',
  'link-broken',
  'entries-missing',
  'anchor-mismatch',
  'tail-cut',
  'snapshot-missing',
  'snapshot-altered',
  'snapshot-content-altered',
  'evaluation-missing',
  'evaluation-altered',
] as const;
export type AuditBreakReason = (typeof AUDIT_BREAK_REASONS)[number];

export class AuditBreakDto {
  @ApiProperty({ description: 'The first entry that no longer proves what it recorded' }) seq!: number;
  @ApiProperty({ enum: AUDIT_BREAK_REASONS }) reason!: AuditBreakReason;
  @ApiProperty() detail!: string;
  @ApiPropertyOptional() subjectType?: string;
  @ApiPropertyOptional() subjectId?: string;
}

export class AuditVerificationDto {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ description: 'Entries checked (up to and including the first break)' })
  entriesChecked!: number;
  @ApiProperty({ description: 'Snapshots whose rows and content were hashed again' })
  snapshotsChecked!: number;
  @ApiProperty() evaluationsChecked!: number;
  @ApiProperty({
    type: ChainHeadDto,
    nullable: true,
    description: 'The last entry: record it elsewhere (a ticket, a signed mail) to detect a cut tail later',
  })
  head!: ChainHeadDto | null;
  @ApiProperty({
    type: ChainAnchorDto,
    nullable: true,
    description: 'The anchor given, and whether the chain still holds it unchanged',
  })
  anchor!: ChainAnchorDto | null;
  @ApiProperty({ type: AuditBreakDto, nullable: true }) firstBroken!: AuditBreakDto | null;
  @ApiProperty() verifiedAt!: string;
}

export function mapAuditEntry(entry: AuditEntry): AuditEntryDto {
  return { ...entry };
}

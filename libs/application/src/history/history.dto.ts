import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsUUID } from 'class-validator';

import { CHANGE_TYPES } from '@driftwatch/drift';

import type { HostObservation, ScanRunInfo, ServiceInfo } from '@driftwatch/core';
import type { ObservationEntity, SnapshotEntity } from '@driftwatch/persistence';

import { CursorPageQueryDto, PageMetaDto, PageQueryDto } from '@driftwatch/application/common/pagination';
import { IsTimestamp } from '@driftwatch/application/common/timestamp';

export class SnapshotSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty() scanId!: string;
  @ApiProperty() vantage!: string;
  @ApiProperty() takenAt!: string;
  @ApiProperty({ description: "The snapshot's number within its scope, from 1" }) seq!: number;
  @ApiProperty({ description: 'sha256 of the canonical host content' }) contentHash!: string;
  @ApiProperty({ description: 'False when some shards of the scan failed: see missingTargets' })
  complete!: boolean;
  @ApiProperty({
    type: [String],
    description: 'Targets this snapshot did not observe (failed shards); their last known state is kept',
  })
  missingTargets!: string[];
  @ApiProperty() hostCount!: number;
  @ApiProperty() openPortCount!: number;
}

export class SnapshotListResponseDto {
  @ApiProperty({ type: [SnapshotSummaryDto] }) items!: SnapshotSummaryDto[];
  @ApiProperty() page!: PageMetaDto;
}

export class SnapshotResponseDto extends SnapshotSummaryDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: "nmap's run information" })
  run!: ScanRunInfo;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description: 'Hosts, ports, services and script output',
  })
  hosts!: HostObservation[];
}

export class AssetsQueryDto {
  @ApiProperty({ description: 'Scope id' })
  @IsUUID()
  scope!: string;

  @ApiPropertyOptional({
    description: 'RFC 3339 time (with its offset); default now',
    example: '2026-03-31T23:59:59Z',
  })
  @IsOptional()
  @IsTimestamp()
  asOf?: string;
}

export class AssetHistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only this scope' })
  @IsOptional()
  @IsUUID()
  scope?: string;
}

export class ChangesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only changes detected after this RFC 3339 time (with its offset)',
    example: '2026-11-01T00:00:00Z',
  })
  @IsOptional()
  @IsTimestamp()
  since?: string;
}

export class ChangeDto {
  @ApiProperty({ description: 'host-appeared, port-state-changed, service-changed, …' }) type!: string;
  @ApiProperty() address!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) protocol!: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) port!: number | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) before!: unknown;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) after!: unknown;
  @ApiProperty() detectedAt!: string;
  @ApiProperty() snapshotId!: string;
  @ApiProperty() previousSnapshotId!: string;
}

export class ChangeListResponseDto {
  @ApiProperty({ type: [ChangeDto] }) items!: ChangeDto[];
  @ApiProperty() page!: PageMetaDto;
}

/** Accepts `?kind=port-added,port-removed` as well as repeated `?kind=`. */
const toList = ({ value }: { value: unknown }): unknown =>
  value === undefined
    ? undefined
    : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));

/** GET /changes: drift across scopes, oldest first, in keyset pages. Times: since < t ≤ until. */
export class ChangesFeedQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ description: 'Only this scope' })
  @IsOptional()
  @IsUUID()
  scope?: string;

  @ApiPropertyOptional({ description: 'Only changes detected after this RFC 3339 time (with its offset)' })
  @IsOptional()
  @IsTimestamp()
  since?: string;

  @ApiPropertyOptional({
    description: 'Only changes detected at or before this RFC 3339 time (with its offset)',
  })
  @IsOptional()
  @IsTimestamp()
  until?: string;

  @ApiPropertyOptional({ enum: CHANGE_TYPES, isArray: true, description: 'Only these kinds of change' })
  @IsOptional()
  @Transform(toList)
  @IsIn(CHANGE_TYPES, { each: true })
  kind?: string[];
}

export class FeedChangeDto extends ChangeDto {
  @ApiProperty() scopeId!: string;
}

export class ChangeFeedResponseDto {
  @ApiProperty({ type: [FeedChangeDto] }) items!: FeedChangeDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as ?cursor= for the next page; null at the end',
  })
  nextCursor!: string | null;
  @ApiProperty() limit!: number;
}

export class ScopeStateQueryDto {
  @ApiPropertyOptional({
    description: 'RFC 3339 time (with its offset); default now',
    example: '2026-03-31T23:59:59Z',
  })
  @IsOptional()
  @IsTimestamp()
  at?: string;
}

export class ScopeStateResponseDto {
  @ApiProperty() scopeId!: string;
  @ApiProperty({ description: 'The time asked about' }) at!: string;
  @ApiProperty({
    nullable: true,
    type: SnapshotSummaryDto,
    description: 'The last snapshot taken at or before `at`; null when there was none yet',
  })
  snapshot!: SnapshotSummaryDto | null;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description:
      "Hosts with their open and filtered ports, services and script output as of the snapshot. Hosts under an incomplete snapshot's missingTargets show their last known state",
  })
  hosts!: HostObservation[];
}

export class PortStateDto {
  @ApiProperty() protocol!: string;
  @ApiProperty() port!: number;
  @ApiProperty() state!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) service?: ServiceInfo;
  @ApiProperty({ description: 'When this state was first seen' }) since!: string;
  @ApiProperty() sinceSnapshotId!: string;
}

export class AssetStateDto {
  @ApiProperty() address!: string;
  @ApiProperty({ type: [PortStateDto] }) ports!: PortStateDto[];
}

export class AssetsResponseDto {
  @ApiProperty() scopeId!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty({ type: [AssetStateDto] }) assets!: AssetStateDto[];
}

export class AssetIntervalDto {
  @ApiProperty() scopeId!: string;
  @ApiProperty() protocol!: string;
  @ApiProperty() port!: number;
  @ApiProperty() state!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) service?: ServiceInfo;
  @ApiProperty() firstSeenAt!: string;
  @ApiProperty() firstSeenSnapshotId!: string;
  @ApiProperty({ nullable: true, type: String, description: 'When this state ended; null while current' })
  closedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) closedSnapshotId!: string | null;
}

export class AssetHistoryResponseDto {
  @ApiProperty() address!: string;
  @ApiProperty({ type: [AssetIntervalDto] }) items!: AssetIntervalDto[];
  @ApiProperty() page!: PageMetaDto;
}

export function mapSnapshotSummary(s: Omit<SnapshotEntity, 'run'>): SnapshotSummaryDto {
  return {
    id: s.id,
    scopeId: s.scopeId,
    scanId: s.scanId,
    vantage: s.vantage,
    takenAt: s.takenAt.toISOString(),
    seq: s.seq,
    contentHash: s.contentHash.trim(),
    complete: s.missingTargets.length === 0,
    missingTargets: s.missingTargets,
    hostCount: s.hostCount,
    openPortCount: s.openPortCount,
  };
}

export function serviceOf(o: ObservationEntity): ServiceInfo | undefined {
  return (o.attributes as { service?: ServiceInfo }).service;
}

export function mapInterval(o: ObservationEntity): AssetIntervalDto {
  return {
    scopeId: o.scopeId,
    protocol: o.protocol,
    port: o.port,
    state: o.state,
    service: serviceOf(o),
    firstSeenAt: o.firstSeenAt.toISOString(),
    firstSeenSnapshotId: o.firstSeenSnapshotId,
    closedAt: o.closedAt?.toISOString() ?? null,
    closedSnapshotId: o.closedSnapshotId,
  };
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsUUID } from 'class-validator';

import { FINDING_STATUSES, type FindingStatus, SEVERITIES, type Severity } from '@driftwatch/core';
import type { FindingEntity } from '@driftwatch/persistence';

import { PageMetaDto, PageQueryDto } from '@driftwatch/application/common/pagination';

/** Accepts `?severity=high,critical` as well as `?severity=high&severity=critical`. */
const toList = ({ value }: { value: unknown }): unknown =>
  value === undefined
    ? undefined
    : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));

export class ListFindingsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Scope id' })
  @IsOptional()
  @IsUUID()
  scope?: string;

  @ApiPropertyOptional({ enum: SEVERITIES, isArray: true })
  @IsOptional()
  @Transform(toList)
  @IsIn(SEVERITIES, { each: true })
  severity?: Severity[];

  @ApiPropertyOptional({ enum: FINDING_STATUSES, isArray: true })
  @IsOptional()
  @Transform(toList)
  @IsIn(FINDING_STATUSES, { each: true })
  status?: FindingStatus[];
}

export class FindingResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty() ruleId!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: [String], example: ['PCI DSS v4.0.1 1.2.6'] }) requirements!: string[];
  @ApiProperty({ enum: SEVERITIES }) severity!: Severity;
  @ApiProperty({ example: '10.0.0.5' }) asset!: string;
  @ApiProperty({ example: 'tcp/23' }) subject!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ nullable: true, type: String }) remediation!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) evidence!: Record<string, unknown>;
  @ApiProperty({ enum: FINDING_STATUSES }) status!: FindingStatus;
  @ApiProperty() firstSeenAt!: string;
  @ApiProperty() lastSeenAt!: string;
  @ApiProperty({ nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty() firstSnapshotId!: string;
  @ApiProperty() lastSnapshotId!: string;
  @ApiProperty({ nullable: true, type: String }) resolvedSnapshotId!: string | null;
  @ApiProperty() policyVersion!: string;
}

export class FindingListResponseDto {
  @ApiProperty({ type: [FindingResponseDto] }) items!: FindingResponseDto[];
  @ApiProperty() page!: PageMetaDto;
}

export function mapFinding(f: FindingEntity): FindingResponseDto {
  return {
    id: f.id,
    scopeId: f.scopeId,
    ruleId: f.ruleId,
    title: f.title,
    requirements: f.requirements,
    severity: f.severity,
    asset: f.asset,
    subject: f.subject,
    message: f.message,
    remediation: f.remediation,
    evidence: f.evidence,
    status: f.status,
    firstSeenAt: f.firstSeenAt.toISOString(),
    lastSeenAt: f.lastSeenAt.toISOString(),
    resolvedAt: f.resolvedAt?.toISOString() ?? null,
    firstSnapshotId: f.firstSnapshotId,
    lastSnapshotId: f.lastSnapshotId,
    resolvedSnapshotId: f.resolvedSnapshotId,
    policyVersion: f.policyVersion,
  };
}

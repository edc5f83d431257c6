import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

import { FINDING_STATUSES, type FindingStatus, SEVERITIES, type Severity } from '@driftwatch/core';
import {
  type FindingEntity,
  FINDING_SORTS,
  type FindingSort,
  type FindingTransitionEntity,
  type FindingVersionRow,
  type WaiverEntity,
} from '@driftwatch/persistence';

import { CursorPageQueryDto } from '@driftwatch/application/common/pagination';
import { IsTimestamp } from '@driftwatch/application/common/timestamp';

/** Accepts `?severity=high,critical` as well as `?severity=high&severity=critical`. */
const toList = ({ value }: { value: unknown }): unknown =>
  value === undefined
    ? undefined
    : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/**
 * Filters, sort and keyset page of GET /findings. Every filter narrows (AND); list filters
 * (severity, status) match any of their values. Time ranges are half-open: from ≤ t < to.
 */
export class ListFindingsQueryDto extends CursorPageQueryDto {
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

  @ApiPropertyOptional({
    description:
      "true: only findings not failing at their scope's latest baseline; false: only those that were. " +
      'A scope without a baseline has none failing at it: true lists all its findings (their ' +
      'newSinceBaseline is null: there is nothing to be new against), false none',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  newSinceBaseline?: boolean;

  @ApiPropertyOptional({
    description: 'A requirement id as findings carry it, or its clause number: matches either',
    example: '2.2.7',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^([A-Za-z0-9.-]+ )*\d+(\.\d+)*$/, {
    message: 'must be a requirement id such as "2.2.7" or "PCI DSS v4.0.1 2.2.7"',
  })
  requirement?: string;

  @ApiPropertyOptional({ description: 'Rule id', example: 'pci-dss-v4.1.2.6-insecure-cleartext-service' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9._:-]+$/, { message: 'must be a rule id (letters, digits, ".", "_", ":", "-")' })
  rule?: string;

  @ApiPropertyOptional({ description: 'The IPv4 or IPv6 address the finding is about', example: '10.0.0.5' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  asset?: string;

  @ApiPropertyOptional({ description: 'Rule first failed at or after this RFC 3339 time (with its offset)' })
  @IsOptional()
  @IsTimestamp()
  firstFailedFrom?: string;

  @ApiPropertyOptional({ description: 'Rule first failed before this RFC 3339 time (with its offset)' })
  @IsOptional()
  @IsTimestamp()
  firstFailedTo?: string;

  @ApiPropertyOptional({ description: 'Last seen failing at or after this RFC 3339 time (with its offset)' })
  @IsOptional()
  @IsTimestamp()
  lastSeenFrom?: string;

  @ApiPropertyOptional({ description: 'Last seen failing before this RFC 3339 time (with its offset)' })
  @IsOptional()
  @IsTimestamp()
  lastSeenTo?: string;

  @ApiPropertyOptional({
    enum: FINDING_SORTS,
    default: '-lastSeenAt',
    description:
      '"-" sorts descending. Severity orders critical > high > medium > low > info, so -severity is most severe first. Ties are broken by id.',
  })
  @IsOptional()
  @IsIn(FINDING_SORTS)
  sort?: FindingSort;

  @ApiPropertyOptional({
    description: 'true: also count every matching finding (total); costs a full count, so off by default',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  count?: boolean;
}

export class FindingBaselineDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: "The approved snapshot's time" }) takenAt!: string;
  @ApiProperty({
    description: 'new: not failing at the baseline; known: failing then too',
    enum: ['new', 'known'],
  })
  status!: 'new' | 'known';
  @ApiProperty({
    example:
      'Compliant at the baseline of 2026-03-31; failing since 2026-04-02: 10.0.5.7 tcp/23 runs telnet, …',
    description: 'The finding read against the baseline, in one sentence',
  })
  summary!: string;
}

export class FindingWaiverDto {
  @ApiProperty() id!: string;
  @ApiProperty() approver!: string;
  @ApiProperty() justification!: string;
  @ApiProperty() expiresAt!: string;
}

export class FindingResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty({ description: 'Stable identity across scans: sha256 of rule, asset and subject' })
  fingerprint!: string;
  @ApiProperty() ruleId!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: [String], example: ['PCI DSS v4.0.1 1.2.6'] }) requirements!: string[];
  @ApiProperty({ enum: SEVERITIES }) severity!: Severity;
  @ApiProperty({ example: '10.0.0.5' }) asset!: string;
  @ApiProperty({ example: 'tcp/23' }) subject!: string;
  @ApiProperty({ nullable: true, type: Number, example: 23 }) port!: number | null;
  @ApiProperty({ nullable: true, type: String, example: 'tcp' }) protocol!: string | null;
  @ApiProperty() message!: string;
  @ApiProperty({ nullable: true, type: String }) remediation!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) evidence!: Record<string, unknown>;
  @ApiProperty({ enum: FINDING_STATUSES }) status!: FindingStatus;
  @ApiProperty({ description: 'When the rule first failed for this subject' }) firstFailedAt!: string;
  @ApiProperty({ deprecated: true, description: 'Same as firstFailedAt' }) firstSeenAt!: string;
  @ApiProperty() lastSeenAt!: string;
  @ApiProperty({ nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty() firstSnapshotId!: string;
  @ApiProperty() lastSnapshotId!: string;
  @ApiProperty({ nullable: true, type: String }) resolvedSnapshotId!: string | null;
  @ApiProperty() policyVersion!: string;
  @ApiProperty({
    nullable: true,
    type: FindingBaselineDto,
    description: "Against the scope's latest baseline; null when none",
  })
  baseline!: FindingBaselineDto | null;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'Shorthand for baseline.status === "new"; null without a baseline',
  })
  newSinceBaseline!: boolean | null;
  @ApiProperty({ nullable: true, type: FindingWaiverDto, description: 'The waiver in force, if any' })
  waiver!: FindingWaiverDto | null;
}

export class FindingListResponseDto {
  @ApiProperty({ type: [FindingResponseDto] }) items!: FindingResponseDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as ?cursor= (same filters and sort) for the next page; null on the last page',
  })
  nextCursor!: string | null;
  @ApiProperty() limit!: number;
  @ApiPropertyOptional({ description: 'Every matching finding; only with ?count=true' })
  total?: number;
}

export class FindingTransitionDto {
  @ApiProperty({ nullable: true, enum: FINDING_STATUSES, type: String }) from!: FindingStatus | null;
  @ApiProperty({ enum: FINDING_STATUSES }) to!: FindingStatus;
  @ApiProperty() at!: string;
  @ApiProperty({ example: 'fails again' }) reason!: string;
  @ApiProperty({ nullable: true, type: String }) snapshotId!: string | null;
  @ApiProperty({ nullable: true, type: String }) waiverId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The API key that acted, for user actions' })
  actor!: string | null;
  @ApiProperty({ nullable: true, type: String }) policyVersion!: string | null;
}

export class FindingVersionDto {
  @ApiProperty({ description: 'The evaluation from which the finding said this' }) validFrom!: string;
  @ApiProperty({ nullable: true, type: String }) snapshotId!: string | null;
  @ApiProperty() policyVersion!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: [String] }) requirements!: string[];
  @ApiProperty({ enum: SEVERITIES }) severity!: Severity;
  @ApiProperty() message!: string;
  @ApiProperty({ nullable: true, type: String }) remediation!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) evidence!: Record<string, unknown>;
}

export class FindingTimelineDto {
  @ApiProperty() finding!: FindingResponseDto;
  @ApiProperty({ type: [FindingTransitionDto], description: 'Every status change, oldest first' })
  transitions!: FindingTransitionDto[];
  @ApiProperty({
    type: [FindingVersionDto],
    description: 'What the finding said (title, severity, message, evidence…), oldest first: one per change',
  })
  versions!: FindingVersionDto[];
}

export function mapVersion(v: FindingVersionRow): FindingVersionDto {
  return {
    validFrom: v.validFrom.toISOString(),
    snapshotId: v.snapshotId,
    policyVersion: v.policyVersion,
    title: v.title,
    requirements: v.requirements,
    severity: v.severity,
    message: v.message,
    remediation: v.remediation,
    evidence: v.evidence,
  };
}

export function mapTransition(t: FindingTransitionEntity): FindingTransitionDto {
  return {
    from: t.fromStatus,
    to: t.toStatus,
    at: t.at.toISOString(),
    reason: t.reason,
    snapshotId: t.snapshotId,
    waiverId: t.waiverId,
    actor: t.actor,
    policyVersion: t.policyVersion,
  };
}

/** The scope's latest baseline as one finding sees it: known means failing at the baseline too. */
export interface FindingBaselineRef {
  id: string;
  takenAt: Date;
  known: boolean;
}

export function mapFinding(
  f: FindingEntity,
  baseline?: FindingBaselineRef | null,
  waiver?: Pick<WaiverEntity, 'id' | 'approver' | 'justification' | 'expiresAt'> | null,
): FindingResponseDto {
  return {
    id: f.id,
    scopeId: f.scopeId,
    fingerprint: f.fingerprint,
    ruleId: f.ruleId,
    title: f.title,
    requirements: f.requirements,
    severity: f.severity,
    asset: f.asset,
    subject: f.subject,
    port: f.port,
    protocol: f.protocol,
    message: f.message,
    remediation: f.remediation,
    evidence: f.evidence,
    status: f.status,
    firstFailedAt: f.firstSeenAt.toISOString(),
    firstSeenAt: f.firstSeenAt.toISOString(),
    lastSeenAt: f.lastSeenAt.toISOString(),
    resolvedAt: f.resolvedAt?.toISOString() ?? null,
    firstSnapshotId: f.firstSnapshotId,
    lastSnapshotId: f.lastSnapshotId,
    resolvedSnapshotId: f.resolvedSnapshotId,
    policyVersion: f.policyVersion,
    baseline: baseline ? baselineView(f, baseline) : null,
    newSinceBaseline: baseline ? !baseline.known : null,
    waiver: waiver
      ? {
          id: waiver.id,
          approver: waiver.approver,
          justification: waiver.justification,
          expiresAt: waiver.expiresAt.toISOString(),
        }
      : null,
  };
}

function baselineView(f: FindingEntity, baseline: FindingBaselineRef): FindingBaselineDto {
  const { known } = baseline;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const at = day(baseline.takenAt);
  return {
    id: baseline.id,
    takenAt: baseline.takenAt.toISOString(),
    status: known ? 'known' : 'new',
    summary: baselineSummary(known, at, day(f.firstSeenAt), f.message),
  };
}

/** How a finding reads against its scope's baseline; days are UTC "YYYY-MM-DD". */
export function baselineSummary(
  known: boolean,
  baselineDay: string,
  firstFailedDay: string,
  message: string,
): string {
  if (known) return `Already failing at the baseline of ${baselineDay}: ${message}`;
  // First failed before a baseline where it did not fail: it was resolved then, and failed again.
  return firstFailedDay < baselineDay
    ? `Compliant at the baseline of ${baselineDay}; failing again since then (first failed ${firstFailedDay}): ${message}`
    : `Compliant at the baseline of ${baselineDay}; failing since ${firstFailedDay}: ${message}`;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length } from 'class-validator';

import type { BaselineSummary } from '@driftwatch/persistence';

export class CreateBaselineDto {
  @ApiPropertyOptional({
    description: "The evaluated snapshot to approve; default: the scope's newest evaluated snapshot",
  })
  @IsOptional()
  @IsUUID()
  snapshotId?: string;

  @ApiPropertyOptional({
    description: 'Why this state is approved (e.g. "QSA sign-off 2026-03-31")',
    maxLength: 2000,
  })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  note?: string;
}

export class BaselineResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty() snapshotId!: string;
  @ApiProperty({ description: "The approved snapshot's time" }) takenAt!: string;
  @ApiProperty() policyVersion!: string;
  @ApiProperty({ description: 'Findings failing at the baseline (open or excepted)' }) findingCount!: number;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ nullable: true, type: String }) approvedBy!: string | null;
  @ApiProperty() createdAt!: string;
}

export function mapBaseline(b: BaselineSummary): BaselineResponseDto {
  return {
    id: b.id,
    scopeId: b.scopeId,
    snapshotId: b.snapshotId,
    takenAt: b.takenAt.toISOString(),
    policyVersion: b.policyVersion,
    findingCount: b.findingCount,
    note: b.note,
    approvedBy: b.approvedBy,
    createdAt: b.createdAt.toISOString(),
  };
}

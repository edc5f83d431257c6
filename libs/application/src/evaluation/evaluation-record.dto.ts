import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

import type { EvaluationRecord } from '@driftwatch/persistence';

export class ListEvaluationsQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's nextCursor" })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export class EvaluationResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() scopeId!: string;
  @ApiProperty() snapshotId!: string;
  @ApiProperty({ nullable: true, type: String }) scanId!: string | null;
  @ApiProperty() policyName!: string;
  @ApiProperty() policyVersion!: string;
  @ApiProperty({ nullable: true, type: String }) contextVersion!: string | null;
  @ApiProperty({ description: 'The moment judged: the snapshot, or a newer configuration document' })
  at!: string;
  @ApiProperty() evaluatedAt!: string;
  @ApiProperty() resultCount!: number;
  @ApiProperty({ description: 'sha256 of the canonical results' }) resultsHash!: string;
  @ApiProperty() failingCount!: number;
  @ApiProperty({ description: 'sha256 of the sorted failing fingerprints' }) failingHash!: string;
  @ApiProperty() opened!: number;
  @ApiProperty() seen!: number;
  @ApiProperty() resolved!: number;
}

export class EvaluationListResponseDto {
  @ApiProperty({ type: [EvaluationResponseDto] }) items!: EvaluationResponseDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export function mapEvaluation(e: EvaluationRecord): EvaluationResponseDto {
  return {
    ...e,
    at: e.at.toISOString(),
    evaluatedAt: e.evaluatedAt.toISOString(),
  };
}

import { ApiProperty } from '@nestjs/swagger';

import type { EvaluationRecord } from '@driftwatch/persistence';

import { CursorPageQueryDto } from '@driftwatch/application/common/pagination';

/** A scope's evaluations, newest first. */
export class ListEvaluationsQueryDto extends CursorPageQueryDto {}

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
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'Open or excepted findings it could not judge (the facts their rule reads were missing) and kept ' +
      'as they were; null for evaluations recorded before this was counted',
  })
  unjudged!: number | null;
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

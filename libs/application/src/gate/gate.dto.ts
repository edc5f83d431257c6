import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';

import { GATE_MODES, type GateMode, type GateResult, SEVERITIES, type Severity } from '@driftwatch/core';

export class GateQueryDto {
  @ApiProperty({ description: 'The scope to judge' })
  @IsUUID()
  scope!: string;

  @ApiPropertyOptional({ enum: SEVERITIES, default: 'high', description: 'Fail on findings at or above' })
  @IsOptional()
  @IsIn(SEVERITIES)
  failOn?: Severity;

  @ApiPropertyOptional({
    enum: GATE_MODES,
    default: 'all',
    description: 'new: only findings new since the baseline block; all: every failing finding does',
  })
  @IsOptional()
  @IsIn(GATE_MODES)
  mode?: GateMode;
}

/** The gate's answer (GateResult of libs/core): the verdict, why, and what it was judged against. */
export class GateResponseDto {
  @ApiProperty({ enum: ['pass', 'fail'] }) verdict!: GateResult['verdict'];
  @ApiProperty({ type: [String] }) reasons!: string[];
  @ApiProperty({ type: Object }) scope!: GateResult['scope'];
  @ApiProperty({ enum: SEVERITIES }) failOn!: Severity;
  @ApiProperty({ enum: GATE_MODES }) mode!: GateMode;
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ type: Object, description: 'Failing findings by severity (waived ones apart)' })
  counts!: GateResult['counts'];
  @ApiProperty({ description: 'Failing findings under a waiver: never blocking' }) excepted!: number;
  @ApiProperty({ type: [Object], description: 'The findings that block, most severe first' })
  blocking!: GateResult['blocking'];
  @ApiProperty({ type: [Object], description: 'Every failing finding considered, most severe first' })
  findings!: GateResult['findings'];
  @ApiProperty({ type: [Object] }) rules!: GateResult['rules'];
  @ApiProperty({ type: Object }) policy!: GateResult['policy'];
  @ApiProperty({ type: Object, nullable: true }) baseline!: GateResult['baseline'];
  @ApiProperty({ type: Object, nullable: true }) snapshot!: GateResult['snapshot'];
  @ApiProperty() judgedAt!: string;
}

import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';

import { CHANGE_TYPES } from '@driftwatch/drift';

import { ListFindingsQueryDto } from '@driftwatch/application/findings/finding.dto';

/** GET /exports/findings.csv: the filters and sort of GET /findings, without paging (the file has every row). */
export class ExportFindingsQueryDto extends OmitType(ListFindingsQueryDto, [
  'cursor',
  'limit',
  'count',
] as const) {}

/** Accepts `?kind=port-added,port-removed` as well as repeated `?kind=`. */
const toList = ({ value }: { value: unknown }): unknown =>
  value === undefined
    ? undefined
    : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));

/** GET /exports/changes.csv: one scope's drift, oldest first. Times: since < detectedAt ≤ until. */
export class ExportChangesQueryDto {
  @ApiProperty({ description: 'Scope id' })
  @IsUUID()
  scope!: string;

  @ApiPropertyOptional({ description: 'Only changes detected after this ISO 8601 time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Only changes detected at or before this ISO 8601 time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ enum: CHANGE_TYPES, isArray: true, description: 'Only these kinds of change' })
  @IsOptional()
  @Transform(toList)
  @IsIn(CHANGE_TYPES, { each: true })
  kind?: string[];
}

/** A CSV file as it is produced: its name and its lines, pulled one batch at a time. */
export interface CsvExport {
  filename: string;
  lines: AsyncIterable<string>;
}

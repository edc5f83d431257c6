import { ApiProperty, OmitType } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

import { ListFindingsQueryDto } from '@driftwatch/application/findings/finding.dto';
import { ChangesFeedQueryDto } from '@driftwatch/application/history/history.dto';

/** GET /exports/findings.csv: the filters and sort of GET /findings, without paging (the file has every row). */
export class ExportFindingsQueryDto extends OmitType(ListFindingsQueryDto, [
  'cursor',
  'limit',
  'count',
] as const) {}

/** GET /exports/changes.csv: one scope's drift, oldest first, with the feed's filters (since < detectedAt ≤ until). */
export class ExportChangesQueryDto extends OmitType(ChangesFeedQueryDto, [
  'scope',
  'cursor',
  'limit',
] as const) {
  @ApiProperty({ description: 'Scope id' })
  @IsUUID()
  scope!: string;
}

/** A CSV file as it is produced: its name and its lines, pulled one batch at a time. */
export interface CsvExport {
  filename: string;
  lines: AsyncIterable<string>;
  /**
   * Ends the database read behind `lines`. Reading them to the end does too; a download cut
   * short (the client went away, even before the first line) must call it.
   */
  close(): Promise<void>;
}

import { Readable } from 'node:stream';

import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';

import {
  type CsvExport,
  ExportChangesQueryDto,
  ExportFindingsQueryDto,
  ExportService,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';

const CSV = 'text/csv; charset=utf-8';

function download(file: CsvExport): StreamableFile {
  const body = Readable.from(file.lines);
  // After the last line, an error or the client leaving: the read's connection goes back to the pool.
  body.once('close', () => void file.close());
  return new StreamableFile(body, {
    type: CSV,
    disposition: `attachment; filename="${file.filename}"`,
  });
}

@ApiTags('exports')
@ApiBearerAuth()
@Controller('exports')
export class ExportsController {
  constructor(private readonly exports: ExportService) {}

  /** Every finding GET /findings would list for the same filters and sort, as RFC 4180 CSV (formula-safe). */
  @Get('findings.csv')
  @ApiProduces(CSV)
  @Authorize(...READERS)
  async findings(@Query() query: ExportFindingsQueryDto): Promise<StreamableFile> {
    return download(await this.exports.findingsCsv(query));
  }

  /** A scope's drift changes, oldest first, as RFC 4180 CSV (formula-safe). */
  @Get('changes.csv')
  @ApiProduces(CSV)
  @Authorize(...READERS)
  async changes(@Query() query: ExportChangesQueryDto): Promise<StreamableFile> {
    return download(await this.exports.changesCsv(query));
  }
}

import { Readable } from 'node:stream';

import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';

import {
  type CsvExport,
  ExportChangesQueryDto,
  ExportFindingsQueryDto,
  ExportService,
} from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';

const CSV = 'text/csv; charset=utf-8';

/**
 * The file's lines, ended with an error when the client has read nothing for `stallMs`: a paused
 * or stuck reader would otherwise hold the export's database connection (and its slot) for as
 * long as it keeps the socket open.
 */
async function* unlessStalled(lines: AsyncIterable<string>, stallMs: number, stall: () => void) {
  for await (const line of lines) {
    const timer = setTimeout(stall, stallMs);
    try {
      yield line;
    } finally {
      clearTimeout(timer);
    }
  }
}

function download(file: CsvExport, stallMs: number): StreamableFile {
  const body: Readable = Readable.from(
    unlessStalled(file.lines, stallMs, () =>
      // StreamableFile destroys a response whose stream fails after its headers were sent, so
      // the client sees a broken download, never a truncated file that looks complete.
      body.destroy(new Error(`export stalled: the client read nothing for ${stallMs / 1000} s`)),
    ),
  );
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
  constructor(
    private readonly exports: ExportService,
    private readonly config: AppConfig,
  ) {}

  /** Every finding GET /findings would list for the same filters and sort, as RFC 4180 CSV (formula-safe). */
  @Get('findings.csv')
  @ApiProduces(CSV)
  @Authorize(...READERS)
  async findings(@Query() query: ExportFindingsQueryDto): Promise<StreamableFile> {
    return download(await this.exports.findingsCsv(query), this.config.http.exports.stallMs);
  }

  /** A scope's drift changes, oldest first, as RFC 4180 CSV (formula-safe). */
  @Get('changes.csv')
  @ApiProduces(CSV)
  @Authorize(...READERS)
  async changes(@Query() query: ExportChangesQueryDto): Promise<StreamableFile> {
    return download(await this.exports.changesCsv(query), this.config.http.exports.stallMs);
  }
}

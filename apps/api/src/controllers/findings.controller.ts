import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import {
  FindingListResponseDto,
  FindingResponseDto,
  FindingService,
  FindingTimelineDto,
  ListFindingsQueryDto,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('findings')
@ApiBearerAuth()
@Controller('findings')
export class FindingsController {
  constructor(private readonly findings: FindingService) {}

  /**
   * Sends the page as JSON text PostgreSQL wrote (FindingService.listJson): the busiest route
   * skips parsing, mapping and serialising a hundred findings per request.
   */
  @Get()
  @Authorize(...READERS)
  @ApiOkResponse({ type: FindingListResponseDto })
  async list(
    @Query() query: ListFindingsQueryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    const json = await this.findings.listJson(query);
    response.type('application/json');
    return json;
  }

  @Get(':id')
  @Authorize(...READERS)
  get(@Param('id', ParseUuidPipe) id: string): Promise<FindingResponseDto> {
    return this.findings.get(id);
  }

  /** Every status change of the finding (first failed, resolved, reopened, excepted), with why and by what. */
  @Get(':id/timeline')
  @Authorize(...READERS)
  timeline(@Param('id', ParseUuidPipe) id: string): Promise<FindingTimelineDto> {
    return this.findings.timeline(id);
  }
}

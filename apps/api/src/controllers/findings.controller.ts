import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  FindingListResponseDto,
  FindingResponseDto,
  FindingService,
  FindingTimelineDto,
  ListFindingsQueryDto,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';

@ApiTags('findings')
@ApiBearerAuth()
@Controller('findings')
export class FindingsController {
  constructor(private readonly findings: FindingService) {}

  @Get()
  @Authorize(...READERS)
  list(@Query() query: ListFindingsQueryDto): Promise<FindingListResponseDto> {
    return this.findings.list(query);
  }

  @Get(':id')
  @Authorize(...READERS)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<FindingResponseDto> {
    return this.findings.get(id);
  }

  /** Every status change of the finding (first failed, resolved, reopened, excepted), with why and by what. */
  @Get(':id/timeline')
  @Authorize(...READERS)
  timeline(@Param('id', ParseUUIDPipe) id: string): Promise<FindingTimelineDto> {
    return this.findings.timeline(id);
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { FindingListResponseDto, FindingService, ListFindingsQueryDto } from '@driftwatch/application';

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
}

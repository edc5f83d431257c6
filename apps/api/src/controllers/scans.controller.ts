import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { ScanResponseDto, ScanService } from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';

@ApiTags('scans')
@ApiBearerAuth()
@Controller('scans')
export class ScansController {
  constructor(private readonly scans: ScanService) {}

  @Get(':id')
  @Authorize(...READERS)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<ScanResponseDto> {
    return this.scans.get(id);
  }
}

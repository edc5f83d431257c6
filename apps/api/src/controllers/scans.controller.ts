import { Controller, Delete, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { keyActor, type Principal, ScanResponseDto, ScanService } from '@driftwatch/application';

import { Authorize, MANAGERS, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('scans')
@ApiBearerAuth()
@Controller('scans')
export class ScansController {
  constructor(private readonly scans: ScanService) {}

  @Get(':id')
  @Authorize(...READERS)
  get(@Param('id', ParseUuidPipe) id: string): Promise<ScanResponseDto> {
    return this.scans.get(id);
  }

  /** Cancel a queued or running scan (a running nmap is stopped); 409 once it has finished. */
  @Delete(':id')
  @Authorize(...MANAGERS)
  cancel(
    @Param('id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ScanResponseDto> {
    return this.scans.cancel(id, keyActor(principal));
  }
}

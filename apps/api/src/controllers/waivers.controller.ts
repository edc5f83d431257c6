import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  CreateWaiverDto,
  ListWaiversQueryDto,
  type Principal,
  WaiverListResponseDto,
  WaiverResponseDto,
  WaiverService,
} from '@driftwatch/application';

import { Authorize, MANAGERS, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('waivers')
@ApiBearerAuth()
@Controller('waivers')
export class WaiversController {
  constructor(private readonly waivers: WaiverService) {}

  /** Except a finding until a date, with a justification and an approver; an open finding becomes excepted. */
  @Post()
  @Authorize(...MANAGERS)
  create(@Body() dto: CreateWaiverDto, @CurrentPrincipal() principal: Principal): Promise<WaiverResponseDto> {
    return this.waivers.create(dto, principal);
  }

  @Get()
  @Authorize(...READERS)
  list(@Query() query: ListWaiversQueryDto): Promise<WaiverListResponseDto> {
    return this.waivers.list(query);
  }

  @Get(':id')
  @Authorize(...READERS)
  get(@Param('id', ParseUuidPipe) id: string): Promise<WaiverResponseDto> {
    return this.waivers.get(id);
  }

  /** Revoke a waiver in force; its excepted finding reopens. The waiver itself is kept, as revoked. */
  @Delete(':id')
  @Authorize(...MANAGERS)
  revoke(
    @Param('id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WaiverResponseDto> {
    return this.waivers.revoke(id, principal);
  }
}

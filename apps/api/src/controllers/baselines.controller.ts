import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  BaselineResponseDto,
  BaselineService,
  CreateBaselineDto,
  type Principal,
} from '@driftwatch/application';

import { Authorize, MANAGERS, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('baselines')
@ApiBearerAuth()
@Controller('scopes/:id/baselines')
export class BaselinesController {
  constructor(private readonly baselines: BaselineService) {}

  /** Approve an evaluated snapshot (default: the newest) as the scope's baseline. */
  @Post()
  @Authorize(...MANAGERS)
  create(
    @Param('id', ParseUuidPipe) scopeId: string,
    @Body() dto: CreateBaselineDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BaselineResponseDto> {
    return this.baselines.create(scopeId, dto, principal);
  }

  @Get()
  @Authorize(...READERS)
  list(@Param('id', ParseUuidPipe) scopeId: string): Promise<BaselineResponseDto[]> {
    return this.baselines.list(scopeId);
  }
}

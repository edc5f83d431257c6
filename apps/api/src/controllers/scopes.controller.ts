import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  CreateScopeDto,
  keyActor,
  type Principal,
  PageQueryDto,
  ScanService,
  ScanAcceptedDto,
  ScopeListResponseDto,
  ScopeResponseDto,
  ScopeService,
  UpdateScopeDto,
} from '@driftwatch/application';

import { Authorize, MANAGERS, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('scopes')
@ApiBearerAuth()
@Controller('scopes')
export class ScopesController {
  constructor(
    private readonly scopes: ScopeService,
    private readonly scans: ScanService,
  ) {}

  @Post()
  @Authorize(...MANAGERS)
  create(@Body() dto: CreateScopeDto, @CurrentPrincipal() principal: Principal): Promise<ScopeResponseDto> {
    return this.scopes.create(dto, keyActor(principal));
  }

  @Get()
  @Authorize(...READERS)
  list(@Query() page: PageQueryDto): Promise<ScopeListResponseDto> {
    return this.scopes.list(page);
  }

  @Get(':id')
  @Authorize(...READERS)
  get(@Param('id', ParseUuidPipe) id: string): Promise<ScopeResponseDto> {
    return this.scopes.get(id);
  }

  @Patch(':id')
  @Authorize(...MANAGERS)
  update(
    @Param('id', ParseUuidPipe) id: string,
    @Body() dto: UpdateScopeDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ScopeResponseDto> {
    return this.scopes.update(id, dto, keyActor(principal));
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize(...MANAGERS)
  remove(@Param('id', ParseUuidPipe) id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.scopes.remove(id, keyActor(principal));
  }

  /** Scan now: 202 with the scan id; poll GET /scans/{id}. */
  @Post(':id/scans')
  @HttpCode(202)
  @Authorize(...MANAGERS)
  scan(
    @Param('id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ScanAcceptedDto> {
    return this.scans.request(id, keyActor(principal));
  }
}

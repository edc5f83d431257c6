import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  type ConfigChangeListResponseDto,
  ConfigChangesQueryDto,
  ConfigDocumentService,
  type ConfigStateListResponseDto,
  ConfigStateQueryDto,
  type ConfigSubmittedDto,
  type Principal,
  SubmitConfigDto,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('config')
@ApiBearerAuth()
@Controller('scopes/:id/config')
export class ConfigController {
  constructor(private readonly documents: ConfigDocumentService) {}

  /**
   * A configuration document collected on an asset (a firewall ruleset, sshd -T, password, time
   * or logging policy, a PAN-scan report, a JSON document): parsed, stored as change, evaluated.
   */
  @Post()
  @HttpCode(200)
  @Authorize('scanner', 'ci', 'admin')
  submit(
    @Param('id', ParseUuidPipe) id: string,
    @Body() dto: SubmitConfigDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ConfigSubmittedDto> {
    return this.documents.submit(id, dto, principal);
  }

  /** The documents in force, now or at `at`, by asset, kind and tag. */
  @Get()
  @Authorize(...READERS)
  states(
    @Param('id', ParseUuidPipe) id: string,
    @Query() query: ConfigStateQueryDto,
  ): Promise<ConfigStateListResponseDto> {
    return this.documents.states(id, query);
  }

  /** Configuration drift, newest first: semantic changes and the line diff between documents. */
  @Get('changes')
  @Authorize(...READERS)
  changes(
    @Param('id', ParseUuidPipe) id: string,
    @Query() query: ConfigChangesQueryDto,
  ): Promise<ConfigChangeListResponseDto> {
    return this.documents.changes(id, query);
  }
}

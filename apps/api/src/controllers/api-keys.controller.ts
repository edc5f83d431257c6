import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  ApiKeyCreatedResponseDto,
  ApiKeyResponseDto,
  ApiKeyService,
  CreateApiKeyDto,
  keyActor,
  type Principal,
} from '@driftwatch/application';

import { Authorize } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  /** The response carries the key's secret; it is shown only here. */
  @Post()
  @Authorize('admin')
  create(
    @Body() dto: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiKeyCreatedResponseDto> {
    return this.apiKeys.create(dto, keyActor(principal));
  }

  @Get()
  @Authorize('admin')
  list(): Promise<ApiKeyResponseDto[]> {
    return this.apiKeys.list();
  }

  @Delete(':id')
  @Authorize('admin')
  revoke(
    @Param('id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiKeyResponseDto> {
    return this.apiKeys.revoke(id, keyActor(principal));
  }
}

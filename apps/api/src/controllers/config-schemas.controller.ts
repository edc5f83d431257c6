import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  type ConfigSchemaListResponseDto,
  type ConfigSchemaResponseDto,
  ConfigSchemaService,
  type Principal,
  RegisterConfigSchemaDto,
} from '@driftwatch/application';

import { Authorize, MANAGERS, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParsePatternPipe, SCHEMA_NAME } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('config')
@ApiBearerAuth()
@Controller('config-schemas')
export class ConfigSchemasController {
  constructor(private readonly schemas: ConfigSchemaService) {}

  /** Register a JSON Schema that `json` config documents name; immutable once registered. */
  @Post()
  @Authorize(...MANAGERS)
  register(
    @Body() dto: RegisterConfigSchemaDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ConfigSchemaResponseDto> {
    return this.schemas.register(dto, principal);
  }

  @Get()
  @Authorize(...READERS, 'scanner', 'ci')
  list(): Promise<ConfigSchemaListResponseDto> {
    return this.schemas.list();
  }

  @Get(':name')
  @Authorize(...READERS, 'scanner', 'ci')
  get(
    @Param(
      'name',
      new ParsePatternPipe(SCHEMA_NAME, 'must be 1-100 lowercase letters, digits, ".", "_" or "-"'),
    )
    name: string,
  ): Promise<ConfigSchemaResponseDto> {
    return this.schemas.get(name);
  }
}

import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiParam, ApiTags } from '@nestjs/swagger';

import {
  CONTEXT_SECTIONS,
  CONTEXT_YAML_TYPES,
  PageQueryDto,
  type Principal,
  PolicyContextDocumentDto,
  PolicyContextService,
  PolicyContextVersionDto,
  PolicyContextVersionListDto,
} from '@driftwatch/application';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import { Authorize, MANAGERS, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';

@ApiTags('context')
@ApiBearerAuth()
@Controller('context')
export class ContextController {
  constructor(private readonly contexts: PolicyContextService) {}

  /** The current policy context (every list empty when none was stored). */
  @Get()
  @Authorize(...READERS)
  get(): Promise<PolicyContextDocumentDto> {
    return this.contexts.get();
  }

  /** Stored context versions, newest first. */
  @Get('versions')
  @Authorize(...READERS)
  versions(@Query() page: PageQueryDto): Promise<PolicyContextVersionListDto> {
    return this.contexts.versions(page);
  }

  /** Replace the whole context (JSON, or YAML with Content-Type: application/yaml); stored as a new version. */
  @Put()
  @Authorize(...MANAGERS)
  @ApiConsumes('application/json', ...CONTEXT_YAML_TYPES)
  @ApiBody({ type: PolicyContextDocumentDto })
  replace(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<PolicyContextVersionDto> {
    if (body === undefined || Buffer.isBuffer(body)) {
      throw new DriftwatchError(
        ErrorCode.UnsupportedMediaType,
        'Send the context document as JSON (Content-Type: application/json) or YAML (application/yaml)',
      );
    }
    return this.contexts.replace(body, principal);
  }

  /** Add one approved change (a change-management hook's call); stored as a new version. */
  @Post('approved-changes')
  @Authorize(...MANAGERS)
  addApprovedChange(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PolicyContextVersionDto> {
    return this.contexts.addApprovedChange(body, principal);
  }

  /** One section of the current context. */
  @Get(':section')
  @Authorize(...READERS)
  @ApiParam({ name: 'section', enum: Object.keys(CONTEXT_SECTIONS) })
  getSection(@Param('section') section: string): Promise<unknown[]> {
    return this.contexts.getSection(section);
  }

  /** Replace one section (a JSON or YAML list), keeping the others; the whole is validated and stored as a new version. */
  @Put(':section')
  @Authorize(...MANAGERS)
  @ApiParam({ name: 'section', enum: Object.keys(CONTEXT_SECTIONS) })
  @ApiConsumes('application/json', ...CONTEXT_YAML_TYPES)
  replaceSection(
    @Param('section') section: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PolicyContextVersionDto> {
    if (body === undefined || Buffer.isBuffer(body)) {
      throw new DriftwatchError(
        ErrorCode.UnsupportedMediaType,
        'Send the section as a JSON list (Content-Type: application/json) or YAML (application/yaml)',
      );
    }
    return this.contexts.replaceSection(section, body, principal);
  }
}

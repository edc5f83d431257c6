import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  ConfigDocumentService,
  type ConfigDocumentResponseDto,
  type FirewallExposureResponseDto,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('config')
@ApiBearerAuth()
@Controller('config-documents')
export class ConfigDocumentsController {
  constructor(private readonly documents: ConfigDocumentService) {}

  /** One stored document with its content and facts. */
  @Get(':id')
  @Authorize(...READERS)
  get(@Param('id', ParseUuidPipe) id: string): Promise<ConfigDocumentResponseDto> {
    return this.documents.document(id);
  }

  /** A firewall ruleset's effective exposure: default policy, which sources may reach which ports. */
  @Get(':id/exposure')
  @Authorize(...READERS)
  exposure(@Param('id', ParseUuidPipe) id: string): Promise<FirewallExposureResponseDto> {
    return this.documents.exposure(id);
  }
}

import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';

import {
  keyActor,
  type Principal,
  SnapshotImportedDto,
  SnapshotImportService,
} from '@driftwatch/application';
import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import { Authorize } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('snapshots')
@ApiBearerAuth()
@Controller('scopes/:id/snapshots')
export class ImportsController {
  constructor(private readonly imports: SnapshotImportService) {}

  /** Import nmap XML produced elsewhere (`nmap -oX`): stored and evaluated like a scan of this scope. */
  @Post()
  @Authorize('scanner', 'admin')
  @ApiConsumes('application/xml', 'text/xml')
  @ApiBody({ description: 'An nmap XML document', schema: { type: 'string' } })
  create(
    @Param('id', ParseUuidPipe) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotImportedDto> {
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new DriftwatchError(
        ErrorCode.UnsupportedMediaType,
        'Send the nmap XML document as the body with Content-Type: application/xml',
      );
    }
    return this.imports.importXml(id, body, keyActor(principal));
  }
}

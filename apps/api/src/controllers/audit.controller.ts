import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  AuditListResponseDto,
  AuditService,
  AuditVerificationDto,
  ListAuditQueryDto,
  VerifyAuditQueryDto,
} from '@driftwatch/application';

import { Authorize } from '@driftwatch/api/auth/authorize.decorator';

/** The tamper-evident trail: who did what when, and every stored snapshot and evaluation. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Authorize('admin', 'auditor')
  list(@Query() query: ListAuditQueryDto): Promise<AuditListResponseDto> {
    return this.audit.list(query);
  }

  /**
   * Recomputes the whole chain and re-hashes the snapshots it records; names the first broken
   * entry. With `anchorSeq` and `anchorHash` (a head kept outside), also proves nothing up to
   * that entry was cut or rewritten.
   */
  @Get('verify')
  @Authorize('admin', 'auditor')
  verify(@Query() query: VerifyAuditQueryDto): Promise<AuditVerificationDto> {
    return this.audit.verify(query);
  }
}

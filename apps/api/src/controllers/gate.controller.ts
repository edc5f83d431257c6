import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { GateQueryDto, GateResponseDto, GateService } from '@driftwatch/application';

import { Authorize } from '@driftwatch/api/auth/authorize.decorator';

/** May this deploy go? The verdict over a scope's latest evaluation, for CI pipelines. */
@ApiTags('gate')
@ApiBearerAuth()
@Controller('gate')
export class GateController {
  constructor(private readonly gates: GateService) {}

  /** Always 200 with the verdict in the body: a failing gate is an answer, not an error. */
  @Get()
  @Authorize('admin', 'analyst', 'auditor', 'ci')
  gate(@Query() query: GateQueryDto): Promise<GateResponseDto> {
    return this.gates.gate(query);
  }
}

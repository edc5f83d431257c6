import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { DryRunDto, DryRunService, GateResponseDto } from '@driftwatch/application';

import { Authorize } from '@driftwatch/api/auth/authorize.decorator';

/** A dry run: a deploy's candidate judged as the gate would judge it, before anything is deployed. */
@ApiTags('gate')
@ApiBearerAuth()
@Controller('evaluate')
export class EvaluateController {
  constructor(private readonly dryRuns: DryRunService) {}

  /** Nothing is stored: 200 with the same verdict structure as GET /gate (dryRun: true). */
  @Post()
  @HttpCode(200)
  @Authorize('admin', 'analyst', 'ci')
  evaluate(@Body() dto: DryRunDto): Promise<GateResponseDto> {
    return this.dryRuns.evaluate(dto);
  }
}

import { Controller, Get, Header, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';

import {
  EvaluationListResponseDto,
  EvaluationRecordService,
  EvaluationResponseDto,
  ListEvaluationsQueryDto,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

/** Every evaluation as recorded, and its exports for auditors. */
@ApiTags('evaluations')
@ApiBearerAuth()
@Controller()
export class EvaluationsController {
  constructor(private readonly evaluations: EvaluationRecordService) {}

  @Get('scopes/:id/evaluations')
  @Authorize(...READERS)
  list(
    @Param('id', ParseUuidPipe) scopeId: string,
    @Query() query: ListEvaluationsQueryDto,
  ): Promise<EvaluationListResponseDto> {
    return this.evaluations.list(scopeId, query);
  }

  @Get('evaluations/:id')
  @Authorize(...READERS)
  get(@Param('id', ParseUuidPipe) id: string): Promise<EvaluationResponseDto> {
    return this.evaluations.get(id);
  }

  /** OSCAL assessment-results (JSON) of the evaluation: observations, findings, the requirements they map to. */
  @Get('evaluations/:id/oscal')
  @Authorize(...READERS)
  @Header('Content-Type', 'application/json; charset=utf-8')
  async oscal(@Param('id', ParseUuidPipe) id: string): Promise<StreamableFile> {
    return new StreamableFile(await this.evaluations.oscalJson(id), {
      type: 'application/json; charset=utf-8',
      disposition: `attachment; filename="driftwatch-oscal-${id}.json"`,
    });
  }

  /** A reproducible tar.gz of the evidence, with a manifest of hashes and the audit entries that prove it. */
  @Get('evaluations/:id/evidence')
  @Authorize(...READERS)
  @ApiProduces('application/gzip')
  async evidence(@Param('id', ParseUuidPipe) id: string): Promise<StreamableFile> {
    const { fileName, archive } = await this.evaluations.evidence(id);
    return new StreamableFile(archive, {
      type: 'application/gzip',
      disposition: `attachment; filename="${fileName}"`,
    });
  }
}

import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  type Principal,
  PolicyResponseDto,
  PolicyService,
  PolicyVersionDto,
  PolicyVersionSummaryDto,
  PutPolicyDto,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParsePatternPipe, POLICY_VERSION } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('policies')
@ApiBearerAuth()
@Controller('policies')
export class PoliciesController {
  constructor(private readonly policies: PolicyService) {}

  /** The active policy and its rules. */
  @Get()
  @Authorize(...READERS)
  active(): Promise<PolicyResponseDto> {
    return this.policies.active();
  }

  /** Every stored version, newest first (without file texts). */
  @Get('versions')
  @Authorize(...READERS)
  versions(): Promise<PolicyVersionSummaryDto[]> {
    return this.policies.listVersions();
  }

  /** One stored version with its rule files. */
  @Get('versions/:version')
  @Authorize(...READERS)
  version(
    @Param('version', new ParsePatternPipe(POLICY_VERSION, 'must be a policy version (64 hex digits)'))
    version: string,
  ): Promise<PolicyVersionDto> {
    return this.policies.getVersion(version);
  }

  /**
   * Replace the policy: the pack is parsed, compiled and its fixtures run; any problem answers
   * 400 (a field error per problem, naming file, line and column) and nothing changes.
   */
  @Put()
  @Authorize('admin')
  replace(@Body() dto: PutPolicyDto, @CurrentPrincipal() principal: Principal): Promise<PolicyResponseDto> {
    return this.policies.replace(dto, principal);
  }

  /** Roll back (or forward) to a stored version. */
  @Post('versions/:version/activate')
  @HttpCode(200)
  @Authorize('admin')
  activate(
    @Param('version', new ParsePatternPipe(POLICY_VERSION, 'must be a policy version (64 hex digits)'))
    version: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PolicyResponseDto> {
    return this.policies.activate(version, principal);
  }
}

import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  AssetHistoryQueryDto,
  AssetHistoryResponseDto,
  AssetsQueryDto,
  AssetsResponseDto,
  HistoryService,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';

@ApiTags('assets')
@ApiBearerAuth()
@Controller('assets')
export class AssetsController {
  constructor(private readonly history: HistoryService) {}

  /** A scope's hosts and ports as they were at `asOf` ("what did the CDE look like on 2026-03-31?"). */
  @Get()
  @Authorize(...READERS)
  list(@Query() query: AssetsQueryDto): Promise<AssetsResponseDto> {
    return this.history.assetsAt(query);
  }

  /** Every state interval of one address: when each port opened, changed and closed. */
  @Get(':address/history')
  @Authorize(...READERS)
  historyOf(
    @Param('address') address: string,
    @Query() query: AssetHistoryQueryDto,
  ): Promise<AssetHistoryResponseDto> {
    return this.history.assetHistory(address, query);
  }
}

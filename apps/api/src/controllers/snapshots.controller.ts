import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  ChangeFeedResponseDto,
  ChangeListResponseDto,
  ChangesFeedQueryDto,
  ChangesQueryDto,
  HistoryService,
  PageQueryDto,
  ScopeStateQueryDto,
  ScopeStateResponseDto,
  SnapshotListResponseDto,
  SnapshotResponseDto,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

@ApiTags('snapshots')
@ApiBearerAuth()
@Controller()
export class SnapshotsController {
  constructor(private readonly history: HistoryService) {}

  @Get('scopes/:id/snapshots')
  @Authorize(...READERS)
  list(
    @Param('id', ParseUuidPipe) id: string,
    @Query() page: PageQueryDto,
  ): Promise<SnapshotListResponseDto> {
    return this.history.listSnapshots(id, page);
  }

  /** Drift: what changed between the scope's consecutive snapshots (after `since`, oldest first). */
  @Get('scopes/:id/changes')
  @Authorize(...READERS)
  changes(
    @Param('id', ParseUuidPipe) id: string,
    @Query() query: ChangesQueryDto,
  ): Promise<ChangeListResponseDto> {
    return this.history.changesSince(id, query);
  }

  /** Drift across every scope (or one), oldest first, in keyset pages (`nextCursor`). */
  @Get('changes')
  @Authorize(...READERS)
  feed(@Query() query: ChangesFeedQueryDto): Promise<ChangeFeedResponseDto> {
    return this.history.changesFeed(query);
  }

  /** "What did scope S look like at time T": hosts, ports and services as of `at` (default now). */
  @Get('scopes/:id/state')
  @Authorize(...READERS)
  state(
    @Param('id', ParseUuidPipe) id: string,
    @Query() query: ScopeStateQueryDto,
  ): Promise<ScopeStateResponseDto> {
    return this.history.scopeState(id, query.at);
  }

  /** One snapshot with its hosts, ports, services and script output. */
  @Get('snapshots/:id')
  @Authorize(...READERS)
  get(@Param('id', ParseUuidPipe) id: string): Promise<SnapshotResponseDto> {
    return this.history.getSnapshot(id);
  }
}

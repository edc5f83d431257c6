import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import { ScanRepository, ScopeRepository } from '@driftwatch/persistence';
import { ScanQueue } from '@driftwatch/queue';

import { Clock } from '@driftwatch/application/common/clock';
import { scopeNotFound } from '@driftwatch/application/scopes/scope.service';

import { mapScan, type ScanAcceptedDto, type ScanResponseDto } from './scan.dto';

@Injectable()
export class ScanService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopeRepository,
    private readonly scans: ScanRepository,
    private readonly queue: ScanQueue,
    private readonly clock: Clock,
  ) {}

  /**
   * Scan now. The scan row and its job are created together: if Redis refuses the job the row
   * is rolled back, so no scan waits forever for a job that does not exist.
   */
  async request(scopeId: string): Promise<ScanAcceptedDto> {
    if (!(await this.scopes.findLive(scopeId))) throw scopeNotFound(scopeId);
    const scan = await this.dataSource.transaction(async (manager) => {
      const created = await this.scans.createManual(scopeId, this.clock.now(), manager);
      await this.queue.enqueueManualScan(created.id);
      return created;
    });
    return { id: scan.id, status: scan.status };
  }

  async get(id: string): Promise<ScanResponseDto> {
    const scan = await this.scans.findById(id);
    if (!scan) throw new DriftwatchError(ErrorCode.NotFound, `Scan ${id} not found`);
    return mapScan(scan);
  }
}

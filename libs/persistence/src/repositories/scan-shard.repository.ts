import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { NetworkObservation, Shard } from '@driftwatch/core';
import { ScanShardEntity } from '@driftwatch/persistence/entities';

@Injectable()
export class ScanShardRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(ScanShardEntity);
  }

  /** Records a scan's shards once; a retried planning step finds them already there. */
  async createAll(scanId: string, shards: readonly Shard[]): Promise<void> {
    if (shards.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO scan_shards (scan_id, seq, block, targets, status)
       SELECT $1, r.seq, r.block, ARRAY(SELECT jsonb_array_elements_text(r.targets)), 'queued'
       FROM jsonb_to_recordset($2::jsonb) AS r(seq integer, block text, targets jsonb)
       ON CONFLICT (scan_id, seq) DO NOTHING`,
      [scanId, JSON.stringify(shards.map((s, i) => ({ seq: i + 1, block: s.block, targets: s.targets })))],
    );
  }

  async listForScan(scanId: string, withResults = false): Promise<ScanShardEntity[]> {
    const qb = this.repo().createQueryBuilder('s').where('s.scan_id = :scanId', { scanId }).orderBy('s.seq');
    if (!withResults) qb.select(columnsWithout('result'));
    return qb.getMany();
  }

  async find(scanId: string, seq: number): Promise<ScanShardEntity | null> {
    return this.repo().findOneBy({ scanId, seq });
  }

  /** False when the shard already finished (a redelivered job must not run it again). */
  async markRunning(scanId: string, seq: number, at: Date, attempt: number): Promise<boolean> {
    const result = await this.repo()
      .createQueryBuilder()
      .update()
      .set({ status: 'running', startedAt: at, attempts: attempt, error: null })
      .where("scan_id = :scanId AND seq = :seq AND status IN ('queued', 'running')", { scanId, seq })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** nmap's estimate for the task it is running in this shard (a scan, service detection, NSE). */
  async markProgress(
    scanId: string,
    seq: number,
    task: string,
    percent: number,
    eta: Date | null,
  ): Promise<void> {
    await this.repo().update(
      { scanId, seq, status: 'running' },
      { progressTask: task, progressPercent: percent, progressEta: eta },
    );
  }

  async markCompleted(
    scanId: string,
    seq: number,
    at: Date,
    result: NetworkObservation,
    warnings: string[],
  ): Promise<void> {
    await this.repo().update(
      { scanId, seq },
      {
        status: 'completed',
        finishedAt: at,
        result,
        warnings,
        progressTask: null,
        progressPercent: 100,
        progressEta: null,
      },
    );
  }

  async markFinished(
    scanId: string,
    seq: number,
    status: 'failed' | 'cancelled',
    at: Date,
    error: string,
  ): Promise<void> {
    await this.repo()
      .createQueryBuilder()
      .update()
      .set({ status, finishedAt: at, error: error.slice(0, 4000) })
      .where("scan_id = :scanId AND seq = :seq AND status IN ('queued', 'running')", { scanId, seq })
      .execute();
  }

  /** Once the snapshot holds them, shard results are dropped: they live on as intervals. */
  async clearResults(scanId: string, manager: EntityManager): Promise<void> {
    await manager.query(`UPDATE scan_shards SET result = NULL WHERE scan_id = $1`, [scanId]);
  }
}

/** Every column but one, as query-builder selections (the result can be large). */
function columnsWithout(column: keyof ScanShardEntity): string[] {
  const all: (keyof ScanShardEntity)[] = [
    'scanId',
    'seq',
    'block',
    'targets',
    'status',
    'attempts',
    'startedAt',
    'finishedAt',
    'error',
    'progressTask',
    'progressPercent',
    'progressEta',
    'result',
    'warnings',
  ];
  return all.filter((c) => c !== column).map((c) => `s.${c}`);
}

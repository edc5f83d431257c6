import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { ScanEntity, type ScanParameters } from '@driftwatch/persistence/entities';

import { afterWriter, holdWriterLock } from './writer-lock';

@Injectable()
export class ScanRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(ScanEntity);
  }

  /**
   * A requested scan. Its job is enqueued inside the creating transaction (a refused job stores
   * nothing), so that transaction holds the scan's lock until it ends: a worker that takes the job
   * first waits for it in findCommitted instead of failing an attempt.
   */
  async createManual(
    scopeId: string,
    vantage: string,
    at: Date,
    manager: EntityManager,
  ): Promise<ScanEntity> {
    const scan = await this.repo(manager).save(
      this.repo(manager).create({
        scopeId,
        vantage,
        trigger: 'manual',
        slot: null,
        status: 'queued',
        attempts: 0,
        queuedAt: at,
      }),
    );
    await holdWriterLock(manager, scanWriterLockKey(scan.id));
    return scan;
  }

  /** The scan, waiting for the transaction that creates it if that is still open (createManual). */
  async findCommitted(id: string): Promise<ScanEntity | null> {
    const found = await this.findById(id);
    if (found) return found;
    return afterWriter(this.dataSource, scanWriterLockKey(id), (manager) =>
      this.repo(manager).findOneBy({ id }),
    );
  }

  /** The record of an nmap XML import: its snapshot is stored in the same transaction. */
  async createImported(
    scopeId: string,
    vantage: string,
    times: { startedAt: Date; finishedAt: Date; at: Date },
    by: string,
    warnings: string[],
    manager: EntityManager,
  ): Promise<ScanEntity> {
    return this.repo(manager).save(
      this.repo(manager).create({
        scopeId,
        vantage,
        trigger: 'import',
        slot: null,
        status: 'evaluating',
        attempts: 1,
        queuedAt: times.at,
        startedAt: times.startedAt,
        finishedAt: times.finishedAt,
        importedBy: by,
        warnings,
      }),
    );
  }

  async attachSnapshot(
    id: string,
    snapshotId: string,
    warnings: string[],
    manager: EntityManager,
  ): Promise<void> {
    await this.repo(manager).update({ id }, { snapshotId, warnings });
  }

  /**
   * The scan of a schedule slot, created once whichever replica's job gets here first, on the
   * vantage whose queue the job came from.
   */
  async findOrCreateScheduled(scopeId: string, vantage: string, slot: Date, at: Date): Promise<ScanEntity> {
    await this.dataSource.query(
      `INSERT INTO scans (scope_id, vantage, trigger, slot, status, queued_at)
       VALUES ($1, $2, 'schedule', $3, 'queued', $4)
       ON CONFLICT (scope_id, slot) WHERE slot IS NOT NULL DO NOTHING`,
      [scopeId, vantage, slot, at],
    );
    return this.repo().findOneByOrFail({ scopeId, slot });
  }

  async findById(id: string, manager?: EntityManager): Promise<ScanEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /**
   * False when the scan was cancelled (or finished) meanwhile: the worker must not run it. The
   * parameters are kept from the first planning: a retried plan keeps the shards it made, and
   * they must keep the ports they were made for.
   */
  async markRunning(id: string, at: Date, attempt: number, parameters: ScanParameters): Promise<boolean> {
    const result = await this.repo()
      .createQueryBuilder()
      .update()
      .set({
        status: 'running',
        startedAt: at,
        attempts: attempt,
        error: null,
        parameters: () => 'coalesce(parameters, CAST(:parameters AS jsonb))',
      })
      .setParameter('parameters', JSON.stringify(parameters))
      .where("id = :id AND status IN ('queued', 'running')", { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** False when the scan was cancelled while nmap ran: its snapshot must not be stored. */
  async markEvaluating(
    id: string,
    snapshotId: string,
    warnings: string[],
    manager: EntityManager,
  ): Promise<boolean> {
    const result = await this.repo(manager)
      .createQueryBuilder()
      .update()
      .set({ status: 'evaluating', snapshotId, warnings })
      .where("id = :id AND status = 'running'", { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Cancels a scan that has not produced its snapshot yet. False when it is past that point. */
  /** The scope's scans that have not started their snapshot yet (queued or running), oldest first. */
  async cancellableOfScope(scopeId: string, manager?: EntityManager): Promise<ScanEntity[]> {
    return this.repo(manager)
      .createQueryBuilder('s')
      .where("s.scope_id = :scopeId AND s.status IN ('queued', 'running')", { scopeId })
      .orderBy('s.queued_at')
      .addOrderBy('s.id')
      .getMany();
  }

  async markCancelled(id: string, at: Date, by: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager)
      .createQueryBuilder()
      .update()
      .set({ status: 'cancelled', finishedAt: at, cancelledBy: by, error: `cancelled by ${by}` })
      .where("id = :id AND status IN ('queued', 'running')", { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * A scan whose observation is older than the scope's current state (a scan that started later
   * was stored first), or a scheduled one not yet started whose later slot is queued: it ends
   * without a snapshot, saying why. Not a failure: no scan failed.
   */
  async markSuperseded(id: string, at: Date, reason: string): Promise<boolean> {
    const result = await this.repo()
      .createQueryBuilder()
      .update()
      .set({ status: 'cancelled', finishedAt: at, cancelledBy: 'driftwatch', error: reason.slice(0, 4000) })
      .where("id = :id AND status IN ('queued', 'running')", { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** An imported scan keeps the finish time its nmap file gives; a live one finishes now. */
  async markCompleted(id: string, at: Date, manager?: EntityManager): Promise<void> {
    await this.repo(manager)
      .createQueryBuilder()
      .update()
      .set({ status: 'completed', finishedAt: () => 'coalesce(finished_at, :at)' })
      .setParameter('at', at)
      .where('id = :id', { id })
      .execute();
  }

  /**
   * A cancelled scan stays cancelled whatever its worker reports afterwards. A scan job's failure
   * does not fail a scan whose snapshot is stored: what failed after that (queueing its
   * evaluation) is retried by the job, which queues the evaluation again. Its evaluation's
   * failure (`evaluation: true`) does.
   */
  async markFailed(
    id: string,
    at: Date,
    error: string,
    options: { evaluation?: boolean } = {},
  ): Promise<void> {
    await this.repo()
      .createQueryBuilder()
      .update()
      .set({ status: 'failed', finishedAt: at, error: error.slice(0, 4000) })
      .where(
        options.evaluation
          ? "id = :id AND status <> 'cancelled'"
          : "id = :id AND status <> 'cancelled' AND snapshot_id IS NULL",
        { id },
      )
      .execute();
  }

  /**
   * Scans not yet finished (queued, running or evaluating) of scopes not deleted, oldest first, with
   * the vantage they were queued on (whose queue runs them): what the scan sweep checks against the
   * queues. Not the scope's vantage now: a scope moved to another zone leaves its scan where it is.
   */
  async unfinished(limit: number): Promise<UnfinishedScan[]> {
    const rows: {
      id: string;
      scope_id: string;
      slot: Date | null;
      status: UnfinishedScan['status'];
      snapshot_id: string | null;
      vantage: string;
    }[] = await this.dataSource.query(
      `SELECT s.id, s.scope_id, s.slot, s.status, s.snapshot_id, s.vantage
       FROM scans s JOIN scopes c ON c.id = s.scope_id
       WHERE s.status IN ('queued', 'running', 'evaluating') AND c.deleted_at IS NULL
       ORDER BY s.queued_at, s.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      scopeId: r.scope_id,
      slot: r.slot,
      status: r.status,
      snapshotId: r.snapshot_id,
      vantage: r.vantage,
    }));
  }

  /** A failed attempt that will be retried: back to queued, keeping the reason visible (not once its snapshot is stored). */
  async markRetrying(id: string, error: string): Promise<void> {
    await this.repo()
      .createQueryBuilder()
      .update()
      .set({ status: 'queued', error: `retrying after: ${error}`.slice(0, 4000) })
      .where("id = :id AND status IN ('queued', 'running') AND snapshot_id IS NULL", { id })
      .execute();
  }
}

export interface UnfinishedScan {
  id: string;
  scopeId: string;
  slot: Date | null;
  status: 'queued' | 'running' | 'evaluating';
  snapshotId: string | null;
  vantage: string;
}

function scanWriterLockKey(id: string): string {
  return `driftwatch.scan-writer:${id}`;
}

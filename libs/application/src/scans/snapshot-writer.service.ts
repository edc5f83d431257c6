import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  contentHash,
  type HostObservation,
  type NetworkObservation,
  observationRecords,
  planIntervals,
} from '@driftwatch/core';
import { diffObservations } from '@driftwatch/drift';
import {
  ChangeRepository,
  ObservationRepository,
  type ScopeEntity,
  SnapshotRepository,
} from '@driftwatch/persistence';

/**
 * Stores one observation of a scope as an immutable snapshot, in one transaction with its state
 * intervals and its drift against the previous snapshot. Scans and imports both come here.
 * `commit` runs last inside the transaction (e.g. moving the scan on); if it throws, nothing is kept.
 */
@Injectable()
export class SnapshotWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly snapshots: SnapshotRepository,
    private readonly observations: ObservationRepository,
    private readonly changes: ChangeRepository,
  ) {}

  async store(
    scope: ScopeEntity,
    scanId: string | ((manager: EntityManager) => Promise<string>),
    observation: NetworkObservation,
    takenAt: Date,
    commit: (snapshotId: string, manager: EntityManager) => Promise<void>,
  ): Promise<string> {
    const { hosts, run } = observation;
    return this.dataSource.transaction(async (manager) => {
      // Serialise snapshots of one scope so each is diffed against the one truly before it.
      await manager.query('SELECT id FROM scopes WHERE id = $1 FOR UPDATE', [scope.id]);
      const previous = await this.snapshots.latestForScope(scope.id, manager);
      const snapshot = await this.snapshots.insert(
        {
          scopeId: scope.id,
          scanId: typeof scanId === 'string' ? scanId : await scanId(manager),
          vantage: scope.vantage,
          takenAt,
          contentHash: contentHash(hosts.map(withoutTimes)),
          hosts,
          run,
          hostCount: hosts.length,
          openPortCount: hosts.reduce((n, h) => n + h.ports.filter((p) => p.state === 'open').length, 0),
        },
        manager,
      );
      const plan = planIntervals(
        await this.observations.openIntervals(scope.id, manager),
        observationRecords(hosts),
      );
      // Drift against the previous snapshot; the first snapshot of a scope is its baseline.
      if (previous) {
        const changes = diffObservations({ run: previous.run, hosts: previous.hosts }, { run, hosts });
        await this.changes.insert(
          { scopeId: scope.id, snapshotId: snapshot.id, previousSnapshotId: previous.id, at: takenAt },
          changes,
          manager,
        );
      }
      await this.observations.close(plan.close, snapshot.id, takenAt, manager);
      await this.observations.open(scope.id, plan.open, snapshot.id, takenAt, manager);
      await commit(snapshot.id, manager);
      return snapshot.id;
    });
  }
}

/** Timing fields change on every scan; the content hash covers what was observed. */
function withoutTimes(host: HostObservation): Omit<HostObservation, 'startTime' | 'endTime'> {
  const { startTime: _s, endTime: _e, ...rest } = host;
  return rest;
}

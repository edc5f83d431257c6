import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  addressWithinNetworks,
  type AuditActor,
  canonicalContent,
  hostRecords,
  type NetworkObservation,
  parseNetwork,
  planHostIntervals,
  planIntervals,
  portRecords,
  primaryAddress,
  snapshotContentHash,
} from '@driftwatch/core';
import { diffObservations } from '@driftwatch/drift';
import {
  ChangeRepository,
  HostObservationRepository,
  ObservationRepository,
  type ScopeEntity,
  SnapshotRepository,
} from '@driftwatch/persistence';

import { AuditTrail } from '@driftwatch/application/audit/audit-trail';
import { snapshotProof } from '@driftwatch/application/audit/audit-proofs';

import { WebhookEvents } from '@driftwatch/application/webhooks/webhook-events.service';

import { SnapshotContent } from './snapshot-content.service';

export interface StoredSnapshot {
  snapshotId: string;
  /** Addresses nmap reported more than once (the last report of each was kept). */
  duplicates: string[];
}

/** Scan warnings for addresses reported twice: kept visible, never silently merged. */
export function duplicateWarnings(duplicates: readonly string[]): string[] {
  return duplicates.map((a) => `nmap reported ${a} more than once; the last report was kept`);
}

/**
 * Stores one observation of a scope as an immutable snapshot, in one transaction with its state
 * intervals and its drift against the scope's state before it. Scans and imports both come here.
 *
 * Only what changed is written: unchanged hosts and ports keep their open intervals, and drift
 * is computed only over the addresses whose intervals change. `missingTargets` (failed shards)
 * are left alone: their intervals stay open and they are not reported as gone.
 * `commit` runs last inside the transaction (e.g. moving the scan on); if it throws, nothing is kept.
 */
@Injectable()
export class SnapshotWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly snapshots: SnapshotRepository,
    private readonly hostIntervals: HostObservationRepository,
    private readonly portIntervals: ObservationRepository,
    private readonly changes: ChangeRepository,
    private readonly content: SnapshotContent,
    private readonly audit: AuditTrail,
    private readonly webhookEvents: WebhookEvents,
  ) {}

  async store(
    scope: ScopeEntity,
    scanId: string | ((manager: EntityManager) => Promise<string>),
    observation: NetworkObservation,
    takenAt: Date,
    commit: (stored: StoredSnapshot, manager: EntityManager) => Promise<void>,
    options: { actor: AuditActor; missingTargets?: readonly string[]; vantage?: string },
  ): Promise<StoredSnapshot> {
    const { actor, missingTargets = [], vantage = scope.vantage } = options;
    const { hosts, duplicates } = canonicalContent(observation.hosts);
    const hostRecs = hostRecords(hosts);
    const portRecs = portRecords(hosts);
    const missing = missingTargets.map(parseNetwork);
    const observed = (r: { address: string }) =>
      missing.length === 0 || !addressWithinNetworks(r.address, missing);

    // Webhook deliveries of the drift: written with it, sent after the commit.
    let deliveries: string[] = [];
    const snapshotId = await this.dataSource.transaction(async (manager) => {
      // Serialise snapshots of one scope so each is diffed against the state truly before it
      // (NO KEY: rows referencing the scope may still be inserted; see EvaluationService).
      await manager.query('SELECT id FROM scopes WHERE id = $1 FOR NO KEY UPDATE', [scope.id]);
      const previous = await this.snapshots.latestForScope(scope.id, manager);
      // Sequence and time only move forward within a scope, whatever the callers' clocks did.
      const at = previous && previous.takenAt.getTime() > takenAt.getTime() ? previous.takenAt : takenAt;
      const openHosts = (await this.hostIntervals.openIntervals(scope.id, manager)).filter(observed);
      const hostPlan = planHostIntervals(openHosts, hostRecs);
      const openPorts = (await this.portIntervals.openIntervals(scope.id, manager)).filter(observed);
      const portPlan = planIntervals(openPorts, portRecs);

      const snapshot = await this.snapshots.insert(
        {
          scopeId: scope.id,
          scanId: typeof scanId === 'string' ? scanId : await scanId(manager),
          vantage,
          takenAt: at,
          seq: (previous?.seq ?? 0) + 1,
          contentHash: snapshotContentHash(hosts),
          missingTargets: [...missingTargets],
          run: observation.run,
          hostCount: hosts.length,
          openPortCount: portRecs.filter((p) => p.state === 'open').length,
        },
        manager,
      );
      const mark = { snapshotId: snapshot.id, seq: snapshot.seq, takenAt: at };

      // Drift against the state before this snapshot, over the addresses whose intervals change.
      // The first snapshot of a scope is its baseline.
      if (previous) {
        const touched = touchedAddresses([
          [hostPlan, openHosts],
          [portPlan, openPorts],
        ]);
        const before = await this.content.currentHosts(scope.id, [...touched], manager);
        const after = hosts.filter((h) => touched.has(primaryAddress(h) ?? ''));
        const changes = diffObservations(
          { run: previous.run, hosts: before },
          { run: observation.run, hosts: after },
        );
        await this.changes.insert(
          { scopeId: scope.id, snapshotId: snapshot.id, previousSnapshotId: previous.id, at },
          changes,
          manager,
        );
        deliveries = await this.webhookEvents.recordDrift(
          scope.id,
          { snapshotId: snapshot.id, previousSnapshotId: previous.id, observedAt: at },
          changes,
          manager,
        );
      }
      await this.hostIntervals.close(hostPlan.close, mark, manager);
      await this.portIntervals.close(portPlan.close, mark, manager);
      await this.hostIntervals.open(scope.id, hostPlan.open, mark, manager);
      await this.portIntervals.open(scope.id, portPlan.open, mark, manager);
      await commit({ snapshotId: snapshot.id, duplicates }, manager);
      // Last: the entry proves the snapshot's identity and content hash (verify re-hashes it).
      await this.audit.record(manager, {
        actor,
        action: 'snapshot.stored',
        subjectType: 'snapshot',
        subjectId: snapshot.id,
        scopeId: scope.id,
        details: snapshotProof(snapshot),
      });
      return snapshot.id;
    });
    await this.webhookEvents.dispatch(deliveries);
    return { snapshotId, duplicates };
  }
}

/** Addresses with an interval opened or closed: the only ones whose drift can be non-empty. */
function touchedAddresses(
  plans: [{ close: string[]; open: { address: string }[] }, { id: string; address: string }[]][],
): Set<string> {
  const touched = new Set<string>();
  for (const [plan, open] of plans) {
    for (const record of plan.open) touched.add(record.address);
    if (plan.close.length === 0) continue;
    const closed = new Set(plan.close);
    for (const interval of open) if (closed.has(interval.id)) touched.add(interval.address);
  }
  return touched;
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { StoredChange } from './change.repository';

/** A finished scan of a scope, as coverage rules see it. */
export interface ScanHistoryRecord {
  id: string;
  at: Date;
  status: 'completed' | 'failed' | 'cancelled';
  error: string | null;
}

/** A change stored with a snapshot (see ChangeRepository), in drift's order. */
export type SnapshotChangeRow = Omit<StoredChange, 'id' | 'scopeId' | 'snapshotId' | 'previousSnapshotId'>;

/**
 * What an evaluation reads besides the snapshot's content: the scope's scan history, when
 * addresses were last seen up, and the changes stored with the snapshot. Read-only queries over
 * scans, host intervals, snapshots and changes.
 */
@Injectable()
export class EvaluationInputRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The scope's finished scans up to `until` (at = finished, else queued time), newest first,
   * without `exceptScanId` (the scan being evaluated, which is not finished yet).
   */
  async scanHistory(
    scopeId: string,
    until: Date,
    exceptScanId: string,
    limit: number,
  ): Promise<ScanHistoryRecord[]> {
    const rows: { id: string; at: Date; status: ScanHistoryRecord['status']; error: string | null }[] =
      await this.dataSource.query(
        `SELECT id, coalesce(finished_at, queued_at) AS at, status, error FROM scans
         WHERE scope_id = $1 AND status IN ('completed', 'failed', 'cancelled') AND id <> $2
           AND coalesce(finished_at, queued_at) <= $3
         ORDER BY coalesce(finished_at, queued_at) DESC, id LIMIT $4`,
        [scopeId, exceptScanId, until, limit],
      );
    return rows;
  }

  /**
   * For each address of the scope seen up in the snapshots up to `seq`, the time of the latest
   * such snapshot, from the host intervals: an interval open at `seq` was seen by that snapshot;
   * one closed at seq c was last seen by snapshot c - 1.
   */
  async lastSeenUp(scopeId: string, seq: number): Promise<Map<string, Date>> {
    const rows: { address: string; seen_at: Date }[] = await this.dataSource.query(
      `SELECT h.address, max(s.taken_at) AS seen_at
       FROM host_observations h
       JOIN snapshots s ON s.scope_id = h.scope_id AND s.seq = LEAST(coalesce(h.closed_seq, $2 + 1) - 1, $2)
       WHERE h.scope_id = $1 AND h.status = 'up' AND h.first_seen_seq <= $2
       GROUP BY h.address`,
      [scopeId, seq],
    );
    return new Map(rows.map((r) => [r.address, r.seen_at]));
  }

  /** The changes stored with a snapshot (drift against the scope's state before it). */
  async changesOf(snapshotId: string): Promise<SnapshotChangeRow[]> {
    const rows: {
      type: string;
      address: string;
      protocol: string | null;
      port: number | null;
      before: unknown;
      after: unknown;
      detected_at: Date;
    }[] = await this.dataSource.query(
      `SELECT type, address, protocol, port, before, after, detected_at FROM changes
       WHERE snapshot_id = $1 ORDER BY seq`,
      [snapshotId],
    );
    return rows.map((r) => ({
      type: r.type,
      address: r.address,
      protocol: r.protocol,
      port: r.port,
      before: r.before,
      after: r.after,
      detectedAt: r.detected_at,
    }));
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A finished scan of a scope, as coverage rules see it. */
export interface ScanHistoryRecord {
  id: string;
  at: Date;
  status: 'completed' | 'failed' | 'cancelled';
  error: string | null;
}

/**
 * What an evaluation reads besides the snapshot's content: the scope's scan history, when
 * addresses were last seen up (the snapshot's changes come from ChangeRepository). Read-only
 * queries over scans, host intervals and snapshots.
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
}

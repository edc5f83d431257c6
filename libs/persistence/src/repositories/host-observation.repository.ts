import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { HostRecord, OpenHostInterval, StoredHostRow } from '@driftwatch/core';

import type { SnapshotMark } from './observation.repository';

const PAGE = 5000;

/** Host-level state intervals: the host half of every snapshot's content. */
@Injectable()
export class HostObservationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async openIntervals(scopeId: string, manager: EntityManager): Promise<OpenHostInterval[]> {
    const rows: { id: string; address: string; attributes_hash: string }[] = await manager.query(
      `SELECT id, address, attributes_hash FROM host_observations WHERE scope_id = $1 AND closed_at IS NULL`,
      [scopeId],
    );
    return rows.map((r) => ({ id: r.id, address: r.address, attributesHash: r.attributes_hash }));
  }

  /** The current host rows of some addresses (all when `addresses` is null). */
  async openRows(
    scopeId: string,
    addresses: readonly string[] | null,
    manager: EntityManager,
  ): Promise<StoredHostRow[]> {
    return manager.query(
      `SELECT address, attributes FROM host_observations
       WHERE scope_id = $1 AND closed_at IS NULL AND ($2::text[] IS NULL OR address = ANY($2::text[]))`,
      [scopeId, addresses],
    );
  }

  /** The host rows of a snapshot: the intervals open at its sequence number. */
  async rowsAt(scopeId: string, seq: number, manager?: EntityManager): Promise<StoredHostRow[]> {
    return (manager ?? this.dataSource.manager).query(
      `SELECT address, attributes FROM host_observations
       WHERE scope_id = $1 AND first_seen_seq <= $2 AND (closed_seq IS NULL OR closed_seq > $2)`,
      [scopeId, seq],
    );
  }

  async close(ids: readonly string[], at: SnapshotMark, manager: EntityManager): Promise<void> {
    for (let i = 0; i < ids.length; i += PAGE) {
      await manager.query(
        `UPDATE host_observations SET closed_snapshot_id = $1, closed_seq = $2, closed_at = $3
         WHERE id = ANY($4::bigint[])`,
        [at.snapshotId, at.seq, at.takenAt, ids.slice(i, i + PAGE)],
      );
    }
  }

  async open(
    scopeId: string,
    records: readonly HostRecord[],
    at: SnapshotMark,
    manager: EntityManager,
  ): Promise<void> {
    for (let i = 0; i < records.length; i += PAGE) {
      const page = records.slice(i, i + PAGE);
      await manager.query(
        `INSERT INTO host_observations
           (scope_id, address, status, attributes, attributes_hash, first_seen_snapshot_id, first_seen_seq, first_seen_at)
         SELECT $1, r.address, r.attributes->>'status', r.attributes, r.attributes_hash, $2, $3, $4
         FROM jsonb_to_recordset($5::jsonb) AS r(address text, attributes jsonb, attributes_hash text)`,
        [
          scopeId,
          at.snapshotId,
          at.seq,
          at.takenAt,
          JSON.stringify(
            page.map((r) => ({
              address: r.address,
              attributes: r.attributes,
              attributes_hash: r.attributesHash,
            })),
          ),
        ],
      );
    }
  }
}

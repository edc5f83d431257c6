import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { ObservationRecord, OpenInterval, StoredPortRow } from '@driftwatch/core';
import { ObservationEntity } from '@driftwatch/persistence/entities';

/** The snapshot that opens or closes an interval. */
export interface SnapshotMark {
  snapshotId: string;
  seq: number;
  takenAt: Date;
}

const PAGE = 5000;

/** Port-level state intervals: the port half of every snapshot's content. */
@Injectable()
export class ObservationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async openIntervals(scopeId: string, manager: EntityManager): Promise<OpenInterval[]> {
    const rows: { id: string; address: string; protocol: string; port: number; attributes_hash: string }[] =
      await manager.query(
        `SELECT id, address, protocol, port, attributes_hash FROM observations
         WHERE scope_id = $1 AND closed_at IS NULL`,
        [scopeId],
      );
    return rows.map((r) => ({
      id: r.id,
      address: r.address,
      protocol: r.protocol,
      port: r.port,
      attributesHash: r.attributes_hash,
    }));
  }

  /** The current port rows of some addresses (all when `addresses` is null). */
  async openRows(
    scopeId: string,
    addresses: readonly string[] | null,
    manager: EntityManager,
  ): Promise<StoredPortRow[]> {
    return manager.query(
      `SELECT address, protocol, port, attributes FROM observations
       WHERE scope_id = $1 AND closed_at IS NULL AND ($2::text[] IS NULL OR address = ANY($2::text[]))`,
      [scopeId, addresses],
    );
  }

  /** The port rows of a snapshot: the intervals open at its sequence number. */
  async rowsAt(scopeId: string, seq: number, manager?: EntityManager): Promise<StoredPortRow[]> {
    return (manager ?? this.dataSource.manager).query(
      `SELECT address, protocol, port, attributes FROM observations
       WHERE scope_id = $1 AND first_seen_seq <= $2 AND (closed_seq IS NULL OR closed_seq > $2)`,
      [scopeId, seq],
    );
  }

  async close(ids: readonly string[], at: SnapshotMark, manager: EntityManager): Promise<void> {
    for (let i = 0; i < ids.length; i += PAGE) {
      await manager.query(
        `UPDATE observations SET closed_snapshot_id = $1, closed_seq = $2, closed_at = $3
         WHERE id = ANY($4::bigint[])`,
        [at.snapshotId, at.seq, at.takenAt, ids.slice(i, i + PAGE)],
      );
    }
  }

  /** Bulk insert in pages, one statement per page. */
  async open(
    scopeId: string,
    records: readonly ObservationRecord[],
    at: SnapshotMark,
    manager: EntityManager,
  ): Promise<void> {
    for (let i = 0; i < records.length; i += PAGE) {
      const page = records.slice(i, i + PAGE);
      await manager.query(
        `INSERT INTO observations
           (scope_id, address, protocol, port, state, attributes, attributes_hash,
            first_seen_snapshot_id, first_seen_seq, first_seen_at)
         SELECT $1, r.address, r.protocol, r.port, r.state, r.attributes, r.attributes_hash, $2, $3, $4
         FROM jsonb_to_recordset($5::jsonb)
           AS r(address text, protocol text, port integer, state text, attributes jsonb, attributes_hash text)`,
        [
          scopeId,
          at.snapshotId,
          at.seq,
          at.takenAt,
          JSON.stringify(
            page.map((r) => ({
              address: r.address,
              protocol: r.protocol,
              port: r.port,
              state: r.state,
              attributes: r.attributes,
              attributes_hash: r.attributesHash,
            })),
          ),
        ],
      );
    }
  }

  /** The intervals that were current at `asOf`: the scope's state at that moment. */
  async openAt(scopeId: string, asOf: Date): Promise<ObservationEntity[]> {
    return this.dataSource
      .getRepository(ObservationEntity)
      .createQueryBuilder('o')
      .where('o.scope_id = :scopeId', { scopeId })
      .andWhere('o.first_seen_at <= :asOf', { asOf })
      .andWhere('(o.closed_at IS NULL OR o.closed_at > :asOf)', { asOf })
      .orderBy('o.address')
      .addOrderBy('o.protocol')
      .addOrderBy('o.port')
      .getMany();
  }

  /** Every interval of one address, oldest first, optionally within one scope. */
  async historyOf(address: string, scopeId: string | undefined, page: { limit: number; offset: number }) {
    const qb = this.dataSource
      .getRepository(ObservationEntity)
      .createQueryBuilder('o')
      .where('o.address = :address', { address });
    if (scopeId) qb.andWhere('o.scope_id = :scopeId', { scopeId });
    const [items, total] = await qb
      .orderBy('o.first_seen_at', 'ASC')
      .addOrderBy('o.protocol')
      .addOrderBy('o.port')
      .addOrderBy('o.id')
      .take(page.limit)
      .skip(page.offset)
      .getManyAndCount();
    return { items, total };
  }

  async countForScope(scopeId: string): Promise<number> {
    const [row]: { n: string }[] = await this.dataSource.query(
      'SELECT count(*) AS n FROM observations WHERE scope_id = $1',
      [scopeId],
    );
    return Number(row?.n ?? 0);
  }
}

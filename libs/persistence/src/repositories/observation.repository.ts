import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { ObservationRecord, OpenInterval } from '@driftwatch/core';
import { ObservationEntity } from '@driftwatch/persistence/entities';

@Injectable()
export class ObservationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async openIntervals(scopeId: string, manager: EntityManager): Promise<OpenInterval[]> {
    const rows: { id: string; address: string; protocol: string; port: number; attributes_hash: string }[] =
      await manager.query(
        `SELECT id, address, protocol, port, attributes_hash FROM observations
         WHERE scope_id = $1 AND closed_at IS NULL FOR UPDATE`,
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

  async close(ids: readonly string[], snapshotId: string, at: Date, manager: EntityManager): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `UPDATE observations SET closed_snapshot_id = $1, closed_at = $2 WHERE id = ANY($3::bigint[])`,
      [snapshotId, at, ids],
    );
  }

  /** Bulk insert in pages, one statement per page. */
  async open(
    scopeId: string,
    records: readonly ObservationRecord[],
    snapshotId: string,
    at: Date,
    manager: EntityManager,
  ): Promise<void> {
    const PAGE = 1000;
    for (let i = 0; i < records.length; i += PAGE) {
      const page = records.slice(i, i + PAGE);
      await manager.query(
        `INSERT INTO observations
           (scope_id, address, protocol, port, state, attributes, attributes_hash, first_seen_snapshot_id, first_seen_at)
         SELECT $1, r.address, r.protocol, r.port, r.state, r.attributes, r.attributes_hash, $2, $3
         FROM jsonb_to_recordset($4::jsonb)
           AS r(address text, protocol text, port integer, state text, attributes jsonb, attributes_hash text)`,
        [
          scopeId,
          snapshotId,
          at,
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

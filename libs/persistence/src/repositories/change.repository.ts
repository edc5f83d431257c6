import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** A drift change as stored: plain data from libs/drift plus where and when it was seen. */
export interface StoredChange {
  id: string;
  scopeId: string;
  snapshotId: string;
  previousSnapshotId: string;
  type: string;
  address: string;
  protocol: string | null;
  port: number | null;
  before: unknown;
  after: unknown;
  detectedAt: Date;
}

export interface ChangeInput {
  type: string;
  address: string;
  protocol?: string;
  port?: number;
  before?: unknown;
  after?: unknown;
}

interface Row {
  id: string;
  scope_id: string;
  snapshot_id: string;
  previous_snapshot_id: string;
  type: string;
  address: string;
  protocol: string | null;
  port: number | null;
  before: unknown;
  after: unknown;
  detected_at: Date;
}

@Injectable()
export class ChangeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Bulk insert, in pages, inside the snapshot's transaction; `seq` keeps drift's order. */
  async insert(
    context: { scopeId: string; snapshotId: string; previousSnapshotId: string; at: Date },
    changes: readonly ChangeInput[],
    manager: EntityManager,
  ): Promise<void> {
    const PAGE = 1000;
    for (let i = 0; i < changes.length; i += PAGE) {
      const page = changes.slice(i, i + PAGE).map((c, j) => ({
        seq: i + j,
        type: c.type,
        address: c.address,
        protocol: c.protocol ?? null,
        port: c.port ?? null,
        before: c.before ?? null,
        after: c.after ?? null,
      }));
      await manager.query(
        `INSERT INTO changes
           (scope_id, snapshot_id, previous_snapshot_id, seq, type, address, protocol, port, before, after, detected_at)
         SELECT $1, $2, $3, r.seq, r.type, r.address, r.protocol, r.port, r.before, r.after, $4
         FROM jsonb_to_recordset($5::jsonb)
           AS r(seq integer, type text, address text, protocol text, port integer, before jsonb, after jsonb)`,
        [context.scopeId, context.snapshotId, context.previousSnapshotId, context.at, JSON.stringify(page)],
      );
    }
  }

  async listSince(
    scopeId: string,
    since: Date | undefined,
    page: { limit: number; offset: number },
  ): Promise<{ items: StoredChange[]; total: number }> {
    const where = since ? 'scope_id = $1 AND detected_at > $2' : 'scope_id = $1';
    const params: unknown[] = since ? [scopeId, since] : [scopeId];
    const [{ n }]: { n: string }[] = await this.dataSource.query(
      `SELECT count(*) AS n FROM changes WHERE ${where}`,
      params,
    );
    const rows: Row[] = await this.dataSource.query(
      // id is insertion order: a snapshot's changes come after the previous snapshot's even at the
      // same detected_at (an older import moved up to the latest snapshot's time).
      `SELECT * FROM changes WHERE ${where} ORDER BY detected_at, id
       LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.limit, page.offset],
    );
    return { total: Number(n), items: rows.map(toStoredChange) };
  }

  /**
   * The changes feed across scopes, oldest first, in keyset pages of (detected_at, id): a page
   * costs the same at any depth and rows stored later never shift earlier pages.
   */
  async feed(
    filter: { scopeId?: string; since?: Date; until?: Date; types?: readonly string[] },
    page: { limit: number; after?: { key: string; id: string } },
    manager?: EntityManager,
  ): Promise<{ items: StoredChange[]; next: { key: string; id: string } | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.scopeId) where.push(`scope_id = ${param(filter.scopeId)}::uuid`);
    if (filter.since) where.push(`detected_at > ${param(filter.since)}`);
    if (filter.until) where.push(`detected_at <= ${param(filter.until)}`);
    if (filter.types?.length) where.push(`type = ANY(${param(filter.types)}::text[])`);
    if (page.after) {
      where.push(
        `(detected_at, id) > (${param(page.after.key)}::timestamptz, ${param(page.after.id)}::bigint)`,
      );
    }
    const rows: (Row & { sort_key: string })[] = await (manager ?? this.dataSource).query(
      `SELECT *, to_char(detected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key
       FROM changes ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY detected_at, id LIMIT ${param(page.limit + 1)}`,
      params,
    );
    const more = rows.length > page.limit;
    const items = more ? rows.slice(0, page.limit) : rows;
    const last = items[items.length - 1];
    return {
      items: items.map(toStoredChange),
      next: more && last ? { key: last.sort_key, id: String(last.id) } : null,
    };
  }

  /** The changes stored with a snapshot (drift against the scope's state before it), in drift's order. */
  /**
   * The changes a snapshot's evaluation judges: its own, and those of the scope's snapshots since
   * the last one evaluated before it, whose evaluations were skipped (overtaken) or have not run:
   * no other evaluation will judge them. A snapshot's changes are measured from the one before
   * it, so together they are every change since what was last judged.
   */
  async changesToJudge(snapshot: { id: string; scopeId: string; seq: number }): Promise<StoredChange[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT c.* FROM changes c JOIN snapshots s ON s.id = c.snapshot_id
        WHERE s.scope_id = $1 AND s.seq <= $2
          AND s.seq > coalesce((SELECT max(p.seq) FROM snapshots p
                                 WHERE p.scope_id = $1 AND p.seq < $2
                                   AND EXISTS (SELECT 1 FROM evaluations e WHERE e.snapshot_id = p.id)), 0)
        ORDER BY s.seq, c.seq`,
      [snapshot.scopeId, snapshot.seq],
    );
    return rows.map(toStoredChange);
  }

  async changesOf(snapshotId: string): Promise<StoredChange[]> {
    const rows: Row[] = await this.dataSource.query(
      'SELECT * FROM changes WHERE snapshot_id = $1 ORDER BY seq',
      [snapshotId],
    );
    return rows.map(toStoredChange);
  }
}

function toStoredChange(r: Row): StoredChange {
  return {
    id: r.id,
    scopeId: r.scope_id,
    snapshotId: r.snapshot_id,
    previousSnapshotId: r.previous_snapshot_id,
    type: r.type,
    address: r.address,
    protocol: r.protocol,
    port: r.port,
    before: r.before,
    after: r.after,
    detectedAt: r.detected_at,
  };
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

import {
  canonicalContent,
  type HostObservation,
  hostRecords,
  planHostIntervals,
  snapshotContentHash,
} from '@driftwatch/core';

/**
 * History as change, all the way down: a snapshot row keeps only its metadata and content hash;
 * its content lives in host-level and port-level state intervals, so an unchanged rescan writes
 * one small row. Snapshots get a per-scope sequence number that intervals refer to, so the
 * content of any snapshot is "the intervals open at its sequence number".
 *
 * Existing snapshots are replayed into host intervals, their content hash recomputed over the
 * canonical (sorted) form, and the jsonb `hosts` column dropped.
 */
export class SnapshotIntervals1764400000000 implements MigrationInterface {
  name = 'SnapshotIntervals1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE snapshots DISABLE TRIGGER snapshots_immutable`);
    await q.query(`ALTER TABLE snapshots ADD COLUMN seq integer`);
    await q.query(`
      UPDATE snapshots s SET seq = o.n FROM (
        SELECT id, row_number() OVER (PARTITION BY scope_id ORDER BY taken_at, id) AS n FROM snapshots
      ) o WHERE o.id = s.id`);
    await q.query(`ALTER TABLE snapshots ALTER COLUMN seq SET NOT NULL`);
    await q.query(`ALTER TABLE snapshots ADD CONSTRAINT snapshots_scope_seq_uq UNIQUE (scope_id, seq)`);
    // A snapshot some of whose shards failed lists the targets it could not observe.
    await q.query(`ALTER TABLE snapshots ADD COLUMN missing_targets text[] NOT NULL DEFAULT '{}'`);

    await q.query(`ALTER TABLE observations ADD COLUMN first_seen_seq integer`);
    await q.query(`ALTER TABLE observations ADD COLUMN closed_seq integer`);
    await q.query(
      `UPDATE observations o SET first_seen_seq = f.seq FROM snapshots f WHERE f.id = o.first_seen_snapshot_id`,
    );
    await q.query(
      `UPDATE observations o SET closed_seq = c.seq FROM snapshots c WHERE c.id = o.closed_snapshot_id`,
    );
    await q.query(`ALTER TABLE observations ALTER COLUMN first_seen_seq SET NOT NULL`);
    await q.query(`CREATE INDEX observations_scope_seq_idx ON observations (scope_id, first_seen_seq)`);

    await q.query(`
      CREATE TABLE host_observations (
        id bigserial PRIMARY KEY,
        scope_id uuid NOT NULL REFERENCES scopes(id),
        address text NOT NULL,
        status text NOT NULL,
        attributes jsonb NOT NULL,
        attributes_hash char(64) NOT NULL,
        first_seen_snapshot_id uuid NOT NULL REFERENCES snapshots(id),
        first_seen_seq integer NOT NULL,
        first_seen_at timestamptz NOT NULL,
        closed_snapshot_id uuid REFERENCES snapshots(id),
        closed_seq integer,
        closed_at timestamptz,
        CHECK ((closed_at IS NULL) = (closed_snapshot_id IS NULL)),
        CHECK ((closed_seq IS NULL) = (closed_snapshot_id IS NULL))
      )`);
    await q.query(`
      CREATE UNIQUE INDEX host_observations_current_uq ON host_observations (scope_id, address)
      WHERE closed_at IS NULL`);
    await q.query(
      `CREATE INDEX host_observations_scope_seq_idx ON host_observations (scope_id, first_seen_seq)`,
    );
    await q.query(
      `CREATE INDEX host_observations_asof_idx ON host_observations (scope_id, first_seen_at, closed_at)`,
    );

    await this.replayHosts(q);

    await q.query(`ALTER TABLE snapshots DROP COLUMN hosts`);
    await q.query(`ALTER TABLE snapshots ENABLE TRIGGER snapshots_immutable`);
  }

  /** Replays every existing snapshot, oldest first per scope, into host-level intervals. */
  private async replayHosts(q: QueryRunner): Promise<void> {
    const snapshots = (await q.query(
      `SELECT id, scope_id, seq, taken_at FROM snapshots ORDER BY scope_id, seq`,
    )) as { id: string; scope_id: string; seq: number; taken_at: Date }[];
    const open = new Map<string, { id: string; address: string; attributesHash: string }[]>();
    for (const snapshot of snapshots) {
      const rows = (await q.query(`SELECT hosts FROM snapshots WHERE id = $1`, [snapshot.id])) as {
        hosts: HostObservation[];
      }[];
      const { hosts } = canonicalContent(rows[0]?.hosts ?? []);
      const current = open.get(snapshot.scope_id) ?? [];
      const plan = planHostIntervals(current, hostRecords(hosts));
      if (plan.close.length > 0) {
        await q.query(
          `UPDATE host_observations SET closed_snapshot_id = $1, closed_seq = $2, closed_at = $3
           WHERE id = ANY($4::bigint[])`,
          [snapshot.id, snapshot.seq, snapshot.taken_at, plan.close],
        );
      }
      const closed = new Set(plan.close);
      const next = current.filter((c) => !closed.has(c.id));
      for (const record of plan.open) {
        const inserted = (await q.query(
          `INSERT INTO host_observations (scope_id, address, status, attributes, attributes_hash,
             first_seen_snapshot_id, first_seen_seq, first_seen_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [
            snapshot.scope_id,
            record.address,
            record.attributes.status,
            JSON.stringify(record.attributes),
            record.attributesHash,
            snapshot.id,
            snapshot.seq,
            snapshot.taken_at,
          ],
        )) as { id: string }[];
        const id = inserted[0]?.id;
        if (id) next.push({ id, address: record.address, attributesHash: record.attributesHash });
      }
      open.set(snapshot.scope_id, next);
      // The stored content is now the canonical form; hash what can be rebuilt.
      await q.query(`UPDATE snapshots SET content_hash = $1 WHERE id = $2`, [
        snapshotContentHash(hosts),
        snapshot.id,
      ]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // The interval form holds the same content, but rebuilding the jsonb column is not supported.
    await q.query(`ALTER TABLE snapshots DISABLE TRIGGER snapshots_immutable`);
    await q.query(`ALTER TABLE snapshots ADD COLUMN hosts jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`DROP TABLE host_observations`);
    await q.query(`ALTER TABLE observations DROP COLUMN closed_seq`);
    await q.query(`ALTER TABLE observations DROP COLUMN first_seen_seq`);
    await q.query(`ALTER TABLE snapshots DROP COLUMN missing_targets`);
    await q.query(`ALTER TABLE snapshots DROP CONSTRAINT snapshots_scope_seq_uq`);
    await q.query(`ALTER TABLE snapshots DROP COLUMN seq`);
    await q.query(`ALTER TABLE snapshots ENABLE TRIGGER snapshots_immutable`);
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** One evaluation as recorded: immutable, and proven by its audit entry. */
export interface EvaluationRecord {
  id: string;
  scopeId: string;
  snapshotId: string;
  scanId: string | null;
  policyName: string;
  policyVersion: string;
  contextVersion: string | null;
  /** The moment judged (the snapshot's, or a newer configuration document's). */
  at: Date;
  evaluatedAt: Date;
  resultCount: number;
  /** sha256 of the canonical results (rule, fingerprint, severity, asset, subject, message). */
  resultsHash: string;
  /** How many distinct findings failed, and sha256 of their sorted fingerprints (the set is
   *  read from the findings' transitions at `at`; storing it per evaluation would not scale). */
  failingCount: number;
  failingHash: string;
  opened: number;
  seen: number;
  resolved: number;
  /** Open or excepted findings it could not judge and kept; null for evaluations recorded before it was counted. */
  unjudged: number | null;
  /**
   * The last finding_transitions and finding_versions ids when the evaluation was recorded: the
   * findings as it left them. Null for evaluations recorded before these marks existed.
   */
  findingsThrough: FindingsThrough | null;
  /** The scope's name when recorded (exports name it so); null for evaluations recorded before it was kept. */
  scopeName: string | null;
}

/** A point in the findings' history, by the ids of its append-only tables. */
export interface FindingsThrough {
  transitions: number;
  versions: number;
}

interface EvaluationRow {
  id: string;
  scope_id: string;
  snapshot_id: string;
  scan_id: string | null;
  policy_name: string;
  policy_version: string;
  context_version: string | null;
  at: Date;
  evaluated_at: Date;
  result_count: number;
  results_hash: string;
  failing_count: number;
  failing_hash: string;
  opened: number;
  seen: number;
  resolved: number;
  unjudged: number | null;
  transitions_through: string | null;
  versions_through: string | null;
  scope_name: string | null;
}

const COLUMNS = `id, scope_id, snapshot_id, scan_id, policy_name, policy_version, context_version, at,
  evaluated_at, result_count, results_hash, failing_count, failing_hash, opened, seen, resolved, unjudged,
  transitions_through, versions_through, scope_name`;

@Injectable()
export class EvaluationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records an evaluation as the last step of its transaction, marking the findings' history as it
   * leaves it. The highest ids are those of the whole tables: transitions and versions of this
   * scope with lower ids are all committed or this transaction's own (it holds every finding of
   * the scope, and evaluations of a scope run one at a time), and other scopes' rows are never
   * read through this scope's marks.
   */
  async insert(
    record: Omit<EvaluationRecord, 'id' | 'findingsThrough' | 'scopeName'>,
    manager: EntityManager,
  ): Promise<EvaluationRecord> {
    const [row]: EvaluationRow[] = await manager.query(
      `INSERT INTO evaluations (scope_id, snapshot_id, scan_id, policy_name, policy_version, context_version,
         at, evaluated_at, result_count, results_hash, failing_count, failing_hash, opened, seen, resolved,
         unjudged, transitions_through, versions_through, scope_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
               (SELECT coalesce(max(id), 0) FROM finding_transitions),
               (SELECT coalesce(max(id), 0) FROM finding_versions),
               (SELECT name FROM scopes WHERE id = $1))
       RETURNING ${COLUMNS}`,
      [
        record.scopeId,
        record.snapshotId,
        record.scanId,
        record.policyName,
        record.policyVersion,
        record.contextVersion,
        record.at,
        record.evaluatedAt,
        record.resultCount,
        record.resultsHash,
        record.failingCount,
        record.failingHash,
        record.opened,
        record.seen,
        record.resolved,
        record.unjudged,
      ],
    );
    return toRecord(row);
  }

  /**
   * The latest moment findings of the scope were judged as of: its evaluations' times, and its
   * findings' (older findings may predate the evaluation records). Null before any evaluation.
   */
  async latestAppliedAt(scopeId: string, manager?: EntityManager): Promise<Date | null> {
    const [row]: { at: Date | null }[] = await (manager ?? this.dataSource.manager).query(
      `SELECT greatest((SELECT max(at) FROM evaluations WHERE scope_id = $1),
                       (SELECT max(last_seen_at) FROM findings WHERE scope_id = $1),
                       (SELECT max(resolved_at) FROM findings WHERE scope_id = $1)) AS at`,
      [scopeId],
    );
    return row?.at ?? null;
  }

  async findById(id: string, manager?: EntityManager): Promise<EvaluationRecord | undefined> {
    const [row]: EvaluationRow[] = await (manager ?? this.dataSource.manager).query(
      `SELECT ${COLUMNS} FROM evaluations WHERE id = $1`,
      [id],
    );
    return row ? toRecord(row) : undefined;
  }

  async findByIds(ids: readonly string[]): Promise<Map<string, EvaluationRecord>> {
    if (ids.length === 0) return new Map();
    const rows: EvaluationRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM evaluations WHERE id = ANY($1)`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, toRecord(r)]));
  }

  /** The latest evaluation of a snapshot (it is evaluated again when the policy or context changes). */
  async latestOfSnapshot(snapshotId: string, manager?: EntityManager): Promise<EvaluationRecord | undefined> {
    const [row]: EvaluationRow[] = await (manager ?? this.dataSource.manager).query(
      `SELECT ${COLUMNS} FROM evaluations WHERE snapshot_id = $1 ORDER BY evaluated_at DESC, id DESC LIMIT 1`,
      [snapshotId],
    );
    return row ? toRecord(row) : undefined;
  }

  /** A scope's evaluations, newest first, keyset-paged by (evaluated_at, id). */
  async listForScope(
    scopeId: string,
    limit: number,
    before?: { evaluatedAt: Date; id: string },
  ): Promise<EvaluationRecord[]> {
    const rows: EvaluationRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM evaluations WHERE scope_id = $1
         AND ($2::timestamptz IS NULL OR (evaluated_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY evaluated_at DESC, id DESC LIMIT $4`,
      [scopeId, before?.evaluatedAt ?? null, before?.id ?? null, limit],
    );
    return rows.map(toRecord);
  }
}

function toRecord(row: EvaluationRow): EvaluationRecord {
  return {
    id: row.id,
    scopeId: row.scope_id,
    snapshotId: row.snapshot_id,
    scanId: row.scan_id,
    policyName: row.policy_name,
    policyVersion: row.policy_version,
    contextVersion: row.context_version,
    at: row.at,
    evaluatedAt: row.evaluated_at,
    resultCount: row.result_count,
    resultsHash: row.results_hash,
    failingCount: row.failing_count,
    failingHash: row.failing_hash,
    opened: row.opened,
    seen: row.seen,
    resolved: row.resolved,
    unjudged: row.unjudged,
    findingsThrough:
      row.transitions_through === null || row.versions_through === null
        ? null
        : { transitions: Number(row.transitions_through), versions: Number(row.versions_through) },
    scopeName: row.scope_name,
  };
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { AuditContent, AuditEntry } from '@driftwatch/core';

export interface AuditFilter {
  action?: string[];
  actor?: string;
  subjectType?: string;
  subjectId?: string;
  scopeId?: string;
  from?: Date;
  to?: Date;
  /** Keyset: entries with a larger sequence number. */
  afterSeq?: number;
  limit: number;
}

interface AuditRow {
  seq: string;
  at: Date;
  actor: string;
  actor_name: string;
  action: string;
  subject_type: string;
  subject_id: string;
  scope_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

const COLUMNS = `seq, at, actor, actor_name, action, subject_type, subject_id, scope_id, details, prev_hash, hash`;
// One lock for the whole chain: appends are serialised so each links to the entry truly before it.
const CHAIN_LOCK = `SELECT pg_advisory_xact_lock(hashtext('driftwatch.audit_entries'))`;

/** The append-only audit chain. Appends happen inside the caller's transaction, as its last write. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes the chain lock (held until the caller's transaction ends) and returns the current tail.
   * Callers append right after, and do nothing else in the transaction that could wait on a lock
   * another appender holds.
   */
  async lockTail(manager: EntityManager): Promise<Pick<AuditEntry, 'seq' | 'hash'> | undefined> {
    await manager.query(CHAIN_LOCK);
    const [tail]: { seq: string; hash: string }[] = await manager.query(
      `SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`,
    );
    return tail ? { seq: Number(tail.seq), hash: tail.hash } : undefined;
  }

  async insert(entries: readonly AuditEntry[], manager: EntityManager): Promise<void> {
    if (entries.length === 0) return;
    const values: unknown[] = [];
    const rows = entries.map((e, i) => {
      values.push(
        e.seq,
        e.at,
        e.actor,
        e.actorName,
        e.action,
        e.subjectType,
        e.subjectId,
        e.scopeId,
        JSON.stringify(e.details),
        e.prevHash,
        e.hash,
      );
      const base = i * 11;
      return `(${Array.from({ length: 11 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
    });
    await manager.query(`INSERT INTO audit_entries (${COLUMNS}) VALUES ${rows.join(', ')}`, values);
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.action?.length) add('action = ANY(?)', filter.action);
    if (filter.actor !== undefined) add('actor = ?', filter.actor);
    if (filter.subjectType !== undefined) add('subject_type = ?', filter.subjectType);
    if (filter.subjectId !== undefined) add('subject_id = ?', filter.subjectId);
    if (filter.scopeId !== undefined) add('scope_id = ?', filter.scopeId);
    if (filter.from !== undefined) add('at >= ?', filter.from);
    if (filter.to !== undefined) add('at < ?', filter.to);
    if (filter.afterSeq !== undefined) add('seq > ?', filter.afterSeq);
    params.push(filter.limit);
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq ASC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEntry);
  }

  /** Entries in sequence order from `afterSeq`, a batch at a time: verification reads them all. */
  async batchAfter(afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_entries WHERE seq > $1 ORDER BY seq ASC LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.map(toEntry);
  }

  /** The entries about some subjects (e.g. the snapshot and evaluation of an evidence bundle). */
  async forSubjects(subjectType: string, subjectIds: readonly string[]): Promise<AuditEntry[]> {
    if (subjectIds.length === 0) return [];
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_entries WHERE subject_type = $1 AND subject_id = ANY($2) ORDER BY seq`,
      [subjectType, subjectIds],
    );
    return rows.map(toEntry);
  }

  /** A contiguous stretch of the chain, `fromSeq` to `toSeq` inclusive (what proves an entry's place). */
  async range(fromSeq: number, toSeq: number): Promise<AuditEntry[]> {
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_entries WHERE seq BETWEEN $1 AND $2 ORDER BY seq`,
      [fromSeq, toSeq],
    );
    return rows.map(toEntry);
  }

  async head(): Promise<Pick<AuditEntry, 'seq' | 'hash'> | undefined> {
    const [tail]: { seq: string; hash: string }[] = await this.dataSource.query(
      `SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`,
    );
    return tail ? { seq: Number(tail.seq), hash: tail.hash } : undefined;
  }
}

function toEntry(row: AuditRow): AuditEntry {
  const content: AuditContent = {
    seq: Number(row.seq),
    at: row.at.toISOString(),
    actor: row.actor,
    actorName: row.actor_name,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    scopeId: row.scope_id,
    details: row.details,
  };
  return { ...content, prevHash: row.prev_hash, hash: row.hash };
}

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { PolicyContextEntity } from '@driftwatch/persistence/entities';

/** A stored context version without its document. */
export type PolicyContextSummary = Omit<PolicyContextEntity, 'document'> & {
  counts: Record<string, number>;
};

// Any fixed 64-bit key: writers of the context take turns, each building on the version before.
const CONTEXT_LOCK_KEY = 7_306_928_419;

const LISTS = ['zones', 'roles', 'inventory', 'flows', 'approvedChanges', 'timeSources'] as const;

@Injectable()
export class PolicyContextRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(PolicyContextEntity);
  }

  /** Runs `fn` in a transaction holding the context lock. */
  async withWriteLock<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [CONTEXT_LOCK_KEY]);
      return fn(manager);
    });
  }

  /** The current version's id (the newest): one index lookup, run before every evaluation. */
  async currentId(): Promise<string | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      'SELECT id FROM policy_contexts ORDER BY id DESC LIMIT 1',
    );
    return rows[0]?.id ?? null;
  }

  async current(manager?: EntityManager): Promise<PolicyContextEntity | null> {
    return this.repo(manager).findOne({ where: {}, order: { id: 'DESC' } });
  }

  async insert(
    document: Record<string, unknown>,
    by: string,
    at: Date,
    manager: EntityManager,
  ): Promise<PolicyContextEntity> {
    const entity = this.repo(manager).create({ document, createdBy: by, createdAt: at });
    return this.repo(manager).save(entity);
  }

  /** Every version, newest first, with the length of each list instead of the document. */
  async list(page: {
    limit: number;
    offset: number;
  }): Promise<{ items: PolicyContextSummary[]; total: number }> {
    const [{ n }]: { n: string }[] = await this.dataSource.query('SELECT count(*) AS n FROM policy_contexts');
    const rows: { id: string; created_at: Date; created_by: string; counts: Record<string, number> }[] =
      await this.dataSource.query(
        `SELECT id, created_at, created_by,
                jsonb_build_object(${LISTS.map((l) => `'${l}', jsonb_array_length(coalesce(document->'${l}', '[]'))`).join(', ')}) AS counts
         FROM policy_contexts ORDER BY id DESC LIMIT $1 OFFSET $2`,
        [page.limit, page.offset],
      );
    return {
      total: Number(n),
      items: rows.map((r) => ({
        id: r.id,
        createdAt: r.created_at,
        createdBy: r.created_by,
        counts: r.counts,
      })),
    };
  }
}

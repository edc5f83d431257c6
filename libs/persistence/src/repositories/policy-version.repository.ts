import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { type PolicyFileRecord, PolicyVersionEntity } from '@driftwatch/persistence/entities';

/** A stored version without its file texts. */
export type PolicyVersionSummary = Omit<PolicyVersionEntity, 'files'> & { fileCount: number };

// Any fixed 64-bit key, distinct from the migration lock: changes of the active version take turns.
const ACTIVATION_LOCK_KEY = 7_306_928_418;

interface SummaryRow {
  version: string;
  name: string;
  rule_count: number;
  created_at: Date;
  created_by: string;
  activated_at: Date | null;
  active: boolean;
  file_count: number;
}

@Injectable()
export class PolicyVersionRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(PolicyVersionEntity);
  }

  /**
   * Runs `fn` in a transaction holding the activation lock, so replicas booting together and
   * concurrent API calls change the active version one at a time.
   */
  async withActivationLock<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ACTIVATION_LOCK_KEY]);
      return fn(manager);
    });
  }

  /** The active version's hash: one index lookup, run before every evaluation. */
  async activeVersion(manager?: EntityManager): Promise<string | null> {
    const rows: { version: string }[] = await (manager ?? this.dataSource.manager).query(
      'SELECT version FROM policy_versions WHERE active',
    );
    return rows[0]?.version ?? null;
  }

  async findByVersion(version: string, manager?: EntityManager): Promise<PolicyVersionEntity | null> {
    return this.repo(manager).findOneBy({ version });
  }

  async findActive(manager?: EntityManager): Promise<PolicyVersionEntity | null> {
    return this.repo(manager).findOneBy({ active: true });
  }

  /** Every stored version, newest first, without the file texts. */
  async list(): Promise<PolicyVersionSummary[]> {
    const rows: SummaryRow[] = await this.dataSource.query(
      `SELECT version, name, rule_count, created_at, created_by, activated_at, active,
              jsonb_array_length(files) AS file_count
       FROM policy_versions ORDER BY created_at DESC, version`,
    );
    return rows.map((r) => ({
      version: r.version,
      name: r.name,
      ruleCount: r.rule_count,
      createdAt: r.created_at,
      createdBy: r.created_by,
      activatedAt: r.activated_at,
      active: r.active,
      fileCount: Number(r.file_count),
    }));
  }

  /** Stores a version unless it is already stored (same content, same version): the first files stay. */
  async insertIfAbsent(
    version: { version: string; name: string; files: PolicyFileRecord[]; ruleCount: number },
    by: string,
    at: Date,
    manager: EntityManager,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO policy_versions (version, name, files, rule_count, created_at, created_by)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6)
       ON CONFLICT (version) DO NOTHING RETURNING version`,
      [version.version, version.name, JSON.stringify(version.files), version.ruleCount, at, by],
    );
    return rows.length > 0;
  }

  /**
   * Makes `version` the active one (use inside `withActivationLock`). False when it already was;
   * its activation time then stays as it was.
   */
  async activate(version: string, at: Date, manager: EntityManager): Promise<boolean> {
    await manager.query('UPDATE policy_versions SET active = false WHERE active AND version <> $1', [
      version,
    ]);
    // TypeORM answers an UPDATE with [rows, affected].
    const [, affected]: [unknown[], number] = await manager.query(
      'UPDATE policy_versions SET active = true, activated_at = $2 WHERE version = $1 AND NOT active',
      [version, at],
    );
    return affected > 0;
  }
}

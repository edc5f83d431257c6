import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { BaselineEntity } from '@driftwatch/persistence/entities';

/** A scope's latest baseline as one finding sees it: known means it was failing there too. */
export interface BaselineVerdict {
  id: string;
  takenAt: Date;
  known: boolean;
}

/** A baseline as a listing shows it: the size of its approved set, never the set. */
export type BaselineSummary = Omit<BaselineEntity, 'fingerprints'> & { findingCount: number };

@Injectable()
export class BaselineRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(BaselineEntity);
  }

  async insert(baseline: Omit<BaselineEntity, 'id'>, manager: EntityManager): Promise<BaselineEntity> {
    return this.repo(manager).save(this.repo(manager).create(baseline));
  }

  /** The scope's latest baseline by id and time, without its fingerprints (they can be megabytes). */
  async latestRef(scopeId: string): Promise<{ id: string; takenAt: Date } | null> {
    const [row]: { id: string; takenAt: Date }[] = await this.dataSource.query(
      `SELECT id, taken_at AS "takenAt" FROM baselines WHERE scope_id = $1
       ORDER BY created_at DESC, id DESC LIMIT 1`,
      [scopeId],
    );
    return row ?? null;
  }

  /** Which of these fingerprints the baseline approved (probes of baseline_fingerprints). */
  async approvedOf(baselineId: string, fingerprints: readonly string[]): Promise<Set<string>> {
    const approved = new Set<string>();
    for (let i = 0; i < fingerprints.length; i += 10_000) {
      const rows: { fingerprint: string }[] = await this.dataSource.query(
        `SELECT fingerprint FROM baseline_fingerprints WHERE baseline_id = $1 AND fingerprint = ANY($2::char(64)[])`,
        [baselineId, fingerprints.slice(i, i + 10_000)],
      );
      for (const row of rows) approved.add(row.fingerprint);
    }
    return approved;
  }

  /**
   * For each finding, its scope's latest baseline and whether the finding failed there (one probe
   * of baseline_fingerprints each; the fingerprint arrays are never read). Findings whose scope
   * has no baseline are absent.
   */
  async verdictsFor(
    findings: readonly { id: string; scopeId: string; fingerprint: string }[],
  ): Promise<Map<string, BaselineVerdict>> {
    if (findings.length === 0) return new Map();
    const rows: (BaselineVerdict & { findingId: string })[] = await this.dataSource.query(
      `SELECT x.finding_id AS "findingId", b.id, b.taken_at AS "takenAt",
              EXISTS (SELECT 1 FROM baseline_fingerprints bf
                      WHERE bf.baseline_id = b.id AND bf.fingerprint = x.fingerprint) AS known
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x (finding_id, scope_id, fingerprint)
         JOIN LATERAL (SELECT id, taken_at FROM baselines WHERE scope_id = x.scope_id
                       ORDER BY created_at DESC, id DESC LIMIT 1) b ON true`,
      [findings.map((f) => f.id), findings.map((f) => f.scopeId), findings.map((f) => f.fingerprint)],
    );
    return new Map(rows.map(({ findingId, ...verdict }) => [findingId, verdict]));
  }

  /** The scope's baselines, newest first; each counts its fingerprints in SQL (a set can be megabytes). */
  async list(scopeId: string): Promise<BaselineSummary[]> {
    return this.dataSource.query(
      `SELECT id, scope_id AS "scopeId", snapshot_id AS "snapshotId", taken_at AS "takenAt",
              policy_version AS "policyVersion", cardinality(fingerprints) AS "findingCount", note,
              approved_by AS "approvedBy", created_at AS "createdAt"
         FROM baselines WHERE scope_id = $1 ORDER BY created_at DESC, id DESC`,
      [scopeId],
    );
  }
}

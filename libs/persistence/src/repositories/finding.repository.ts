import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  type FindingPlan,
  type FindingStatus,
  type KnownFinding,
  type Severity,
  TRANSITION_REASONS,
} from '@driftwatch/core';
import { FindingEntity, FindingTransitionEntity } from '@driftwatch/persistence/entities';

import type { FindingsThrough } from './evaluation.repository';
import { preparedTextQuery } from './prepared-statement';

/** The documented sorts of the findings list: a key, "-" for descending, always tie-broken by id. */
export const FINDING_SORTS = [
  '-lastSeenAt',
  'lastSeenAt',
  '-firstFailedAt',
  'firstFailedAt',
  '-severity',
  'severity',
] as const;
export type FindingSort = (typeof FINDING_SORTS)[number];

/** How each sort orders: the column, its direction (id follows it), and the key type a cursor carries. */
export const FINDING_SORT_KEYS: Record<
  FindingSort,
  { column: string; descending: boolean; key: 'timestamp' | 'rank' }
> = {
  '-lastSeenAt': { column: 'f.last_seen_at', descending: true, key: 'timestamp' },
  lastSeenAt: { column: 'f.last_seen_at', descending: false, key: 'timestamp' },
  '-firstFailedAt': { column: 'f.first_seen_at', descending: true, key: 'timestamp' },
  firstFailedAt: { column: 'f.first_seen_at', descending: false, key: 'timestamp' },
  // critical > high > medium > low > info; the stored rank is 0 for critical, so "most severe first" is rank ascending.
  '-severity': { column: 'f.severity_rank', descending: false, key: 'rank' },
  severity: { column: 'f.severity_rank', descending: true, key: 'rank' },
};

export interface FindingFilter {
  scopeId?: string;
  severity?: Severity[];
  status?: FindingStatus[];
  /** A requirement id as stored ('PCI DSS v4.0.1 2.2.7') or its clause number ('2.2.7'). */
  requirement?: string;
  ruleId?: string;
  asset?: string;
  /** true: only findings not failing at their scope's latest baseline; false: only those that were. */
  newSinceBaseline?: boolean;
  /** Half-open ranges [from, to) over when the rule first failed and when the finding was last seen. */
  firstFailedFrom?: Date;
  firstFailedTo?: Date;
  lastSeenFrom?: Date;
  lastSeenTo?: Date;
}

/** A position in a sort: the sort key as text (a UTC timestamp to the microsecond, or a rank) and the id. */
export interface FindingPosition {
  key: string;
  id: string;
}

/** A listed finding with what the list shows beside it: its scope's latest baseline and its waiver in force. */
export interface FindingListRow {
  finding: FindingEntity;
  baseline: { id: string; takenAt: Date; known: boolean } | null;
  waiver: { id: string; approver: string; justification: string; expiresAt: Date } | null;
}

export interface FindingPageRequest {
  sort: FindingSort;
  limit: number;
  /** Resume after this row (exclusive). */
  after?: FindingPosition;
}

const FINDING_COLUMNS = `f.id, f.scope_id AS "scopeId", f.fingerprint, f.rule_id AS "ruleId", f.title, f.requirements,
  f.severity, f.asset, f.subject, f.port, f.protocol, f.message, f.remediation, f.evidence, f.status,
  f.first_seen_at AS "firstSeenAt", f.last_seen_at AS "lastSeenAt", f.resolved_at AS "resolvedAt",
  f.first_snapshot_id AS "firstSnapshotId", f.last_snapshot_id AS "lastSnapshotId",
  f.resolved_snapshot_id AS "resolvedSnapshotId", f.policy_version AS "policyVersion"`;

/**
 * A listed finding as PostgreSQL's text, column by column (null where SQL has NULL): timestamps
 * in UTC without zone ("2026-08-25 06:39:14.610123"), `requirements` and `evidence` as JSON text,
 * `baselineKnown` as "t" or "f". What the list route writes as JSON without building objects.
 */
export interface RawFindingRow {
  id: string;
  scopeId: string;
  fingerprint: string;
  ruleId: string;
  title: string;
  requirements: string;
  severity: string;
  asset: string;
  subject: string;
  port: string | null;
  protocol: string | null;
  message: string;
  remediation: string | null;
  evidence: string;
  status: string;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  firstSnapshotId: string | null;
  lastSnapshotId: string | null;
  resolvedSnapshotId: string | null;
  policyVersion: string;
  waiverId: string | null;
  waiverApprover: string | null;
  waiverJustification: string | null;
  waiverExpiresAt: string | null;
  baselineId: string | null;
  baselineTakenAt: string | null;
  baselineKnown: string | null;
  sortKey: string;
}

/** A finding as an export of an evaluation reads it. */
export type FindingExportRow = Pick<
  FindingEntity,
  | 'id'
  | 'fingerprint'
  | 'ruleId'
  | 'title'
  | 'requirements'
  | 'severity'
  | 'asset'
  | 'subject'
  | 'message'
  | 'remediation'
  | 'evidence'
  | 'status'
  | 'firstSeenAt'
>;

/** What a finding said from one evaluation on (finding_versions). */
export interface FindingVersionRow {
  validFrom: Date;
  snapshotId: string | null;
  policyVersion: string;
  title: string;
  requirements: string[];
  severity: FindingEntity['severity'];
  message: string;
  remediation: string | null;
  evidence: Record<string, unknown>;
}

/** Rows per statement when an evaluation writes its findings: a few megabytes of parameters at most. */
const WRITE_CHUNK = 5000;

const utc = (column: string): string => `${column} AT TIME ZONE 'UTC'`;

/**
 * Whether the finding failed at its scope's latest baseline (`b`), from the page's probe of
 * baseline_fingerprints (`k`): null when there is none.
 */
const BASELINE_KNOWN = `CASE WHEN b.id IS NOT NULL THEN k.known IS NOT NULL END`;

const RAW_FINDING_COLUMNS = `f.id, f.scope_id AS "scopeId", f.fingerprint, f.rule_id AS "ruleId", f.title,
  array_to_json(f.requirements) AS requirements, f.severity, f.asset, f.subject, f.port, f.protocol, f.message,
  f.remediation, f.evidence, f.status, ${utc('f.first_seen_at')} AS "firstSeenAt",
  ${utc('f.last_seen_at')} AS "lastSeenAt", ${utc('f.resolved_at')} AS "resolvedAt",
  f.first_snapshot_id AS "firstSnapshotId", f.last_snapshot_id AS "lastSnapshotId",
  f.resolved_snapshot_id AS "resolvedSnapshotId", f.policy_version AS "policyVersion",
  w.id AS "waiverId", w.approver AS "waiverApprover", w.justification AS "waiverJustification",
  ${utc('w.expires_at')} AS "waiverExpiresAt",
  b.id AS "baselineId", ${utc('b.taken_at')} AS "baselineTakenAt", ${BASELINE_KNOWN} AS "baselineKnown"`;

interface ListRow extends FindingEntity {
  sortKey: string;
  waiverId: string | null;
  waiverApprover: string | null;
  waiverJustification: string | null;
  waiverExpiresAt: Date | null;
  baselineId: string | null;
  baselineTakenAt: Date | null;
  baselineKnown: boolean | null;
}

function toListRow(row: ListRow): FindingListRow {
  const {
    sortKey: _sortKey,
    waiverId,
    waiverApprover,
    waiverJustification,
    waiverExpiresAt,
    baselineId,
    baselineTakenAt,
    baselineKnown,
    ...finding
  } = row;
  return {
    finding,
    baseline:
      baselineId && baselineTakenAt
        ? { id: baselineId, takenAt: baselineTakenAt, known: baselineKnown === true }
        : null,
    waiver:
      waiverId && waiverExpiresAt
        ? {
            id: waiverId,
            approver: waiverApprover ?? '',
            justification: waiverJustification ?? '',
            expiresAt: waiverExpiresAt,
          }
        : null,
  };
}

/** The WHERE clause of a filter, with its parameters from $1. */
function filterSql(filter: FindingFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.scopeId) where.push(`f.scope_id = ${param(filter.scopeId)}::uuid`);
  if (filter.severity?.length) {
    where.push(
      filter.severity.length === 1
        ? `f.severity = ${param(filter.severity[0])}`
        : `f.severity = ANY(${param(filter.severity)}::text[])`,
    );
  }
  if (filter.status?.length) where.push(`f.status = ANY(${param(filter.status)}::text[])`);
  if (filter.requirement) {
    const clause = filter.requirement.slice(filter.requirement.lastIndexOf(' ') + 1);
    where.push(`driftwatch_requirement_clauses(f.requirements) @> ARRAY[${param(clause)}::text]`);
    if (clause !== filter.requirement)
      where.push(`f.requirements @> ARRAY[${param(filter.requirement)}::text]`);
  }
  if (filter.ruleId) where.push(`f.rule_id = ${param(filter.ruleId)}`);
  if (filter.asset) where.push(`f.asset = ${param(filter.asset)}`);
  if (filter.firstFailedFrom) where.push(`f.first_seen_at >= ${param(filter.firstFailedFrom)}`);
  if (filter.firstFailedTo) where.push(`f.first_seen_at < ${param(filter.firstFailedTo)}`);
  if (filter.lastSeenFrom) where.push(`f.last_seen_at >= ${param(filter.lastSeenFrom)}`);
  if (filter.lastSeenTo) where.push(`f.last_seen_at < ${param(filter.lastSeenTo)}`);
  if (filter.newSinceBaseline !== undefined) {
    const latest = `(SELECT id FROM baselines WHERE scope_id = f.scope_id ORDER BY created_at DESC, id DESC LIMIT 1)`;
    // Known findings: one probe per candidate row, in the page's order, until the page is full.
    // As an EXISTS the planner made it a hash join over the baseline's every fingerprint and
    // sorted the result (28 ms for a page, 100,000 findings stored); a scalar subquery with
    // LIMIT cannot be. New findings keep NOT EXISTS, an anti-join probed per row; as `probe IS
    // NULL` its selectivity is guessed tiny and the planner sorts every candidate instead.
    where.push(
      filter.newSinceBaseline
        ? `NOT EXISTS (SELECT 1 FROM baseline_fingerprints bf
             WHERE bf.baseline_id = ${latest} AND bf.fingerprint = f.fingerprint)`
        : `(SELECT true FROM baseline_fingerprints bf
             WHERE bf.baseline_id = ${latest} AND bf.fingerprint = f.fingerprint LIMIT 1) IS NOT NULL`,
    );
  }
  return { where, params };
}

@Injectable()
export class FindingRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(FindingEntity);
  }

  /** The ids of a scope's findings by fingerprint (e.g. the ones an evaluation just created). */
  async idsByFingerprint(
    scopeId: string,
    fingerprints: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (let i = 0; i < fingerprints.length; i += 5000) {
      const rows: { id: string; fingerprint: string }[] = await manager.query(
        'SELECT id, fingerprint FROM findings WHERE scope_id = $1 AND fingerprint = ANY($2::text[])',
        [scopeId, fingerprints.slice(i, i + 5000)],
      );
      for (const r of rows) ids.set(r.fingerprint, r.id);
    }
    return ids;
  }

  async knownForScope(scopeId: string, manager: EntityManager): Promise<KnownFinding[]> {
    const rows: KnownFinding[] = await manager.query(
      `SELECT f.id, f.fingerprint, f.status, f.asset, f.rule_id AS "ruleId", f.subject,
              EXISTS (SELECT 1 FROM waivers w WHERE w.finding_id = f.id
                        AND w.revoked_at IS NULL AND w.expired_at IS NULL) AS waived
       FROM findings f WHERE f.scope_id = $1 FOR UPDATE OF f`,
      [scopeId],
    );
    return rows;
  }

  /** Apply a finding plan for one evaluated snapshot, with a transition per status change. Runs inside the caller's transaction. */
  async apply(
    scopeId: string,
    plan: FindingPlan,
    context: { snapshotId: string; at: Date; policyVersion: string },
    manager: EntityManager,
  ): Promise<void> {
    const transitions: Partial<FindingTransitionEntity>[] = [];
    const transition = (
      findingId: string,
      fromStatus: FindingStatus | null,
      toStatus: FindingStatus,
      reason: string,
    ) =>
      transitions.push({
        findingId,
        fromStatus,
        toStatus,
        at: context.at,
        reason,
        snapshotId: context.snapshotId,
        waiverId: null,
        actor: null,
        policyVersion: context.policyVersion,
      });
    // Thousands of findings per evaluation are normal (a /16 with script output gives >100,000):
    // each step is one statement per chunk of rows, never a round trip or an ORM subject per
    // finding (TypeORM's save of ~120,000 entities overflows the stack).
    for (let i = 0; i < plan.create.length; i += WRITE_CHUNK) {
      const chunk = plan.create.slice(i, i + WRITE_CHUNK);
      const rows: { id: string; fingerprint: string }[] = await manager.query(
        `WITH created AS (
           INSERT INTO findings (scope_id, fingerprint, rule_id, title, requirements, severity, asset, subject,
             port, protocol, message, remediation, evidence, status, first_seen_at, last_seen_at,
             first_snapshot_id, last_snapshot_id, policy_version)
           SELECT $1, x.fingerprint, x.rule_id, x.title, ARRAY(SELECT jsonb_array_elements_text(x.requirements)),
                  x.severity, x.asset, x.subject, x.port, x.protocol, x.message, x.remediation, x.evidence,
                  'open', $2, $2, $3, $3, $4
             FROM unnest($5::text[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::text[], $11::text[],
                         $12::int[], $13::text[], $14::text[], $15::text[], $16::jsonb[])
                  AS x (fingerprint, rule_id, title, requirements, severity, asset, subject, port, protocol,
                        message, remediation, evidence)
           RETURNING id, fingerprint, title, requirements, severity, message, remediation, evidence
         ), versions AS (
           INSERT INTO finding_versions (finding_id, valid_from, snapshot_id, policy_version, title, requirements,
                                         severity, message, remediation, evidence)
           SELECT id, $2, $3, $4, title, requirements, severity, message, remediation, evidence FROM created
         )
         SELECT id, fingerprint FROM created`,
        [
          scopeId,
          context.at,
          context.snapshotId,
          context.policyVersion,
          chunk.map((c) => c.fingerprint),
          chunk.map((c) => c.result.ruleId),
          chunk.map((c) => c.result.title),
          chunk.map((c) => JSON.stringify(c.result.requirements)),
          chunk.map((c) => c.result.severity),
          chunk.map((c) => c.result.asset),
          chunk.map((c) => c.result.subject),
          chunk.map((c) => c.result.port ?? null),
          chunk.map((c) => c.result.protocol ?? null),
          chunk.map((c) => c.result.message),
          chunk.map((c) => c.result.remediation ?? null),
          chunk.map((c) => JSON.stringify(c.result.evidence)),
        ],
      );
      const ids = new Map(rows.map((r) => [r.fingerprint, r.id]));
      for (const { fingerprint } of chunk) {
        const id = ids.get(fingerprint);
        if (id === undefined) throw new Error(`finding ${fingerprint} was not inserted`);
        transition(id, null, 'open', TRANSITION_REASONS.firstFailed);
      }
    }
    for (let i = 0; i < plan.seen.length; i += WRITE_CHUNK) {
      const chunk = plan.seen.slice(i, i + WRITE_CHUNK);
      // A version row only where what the finding says changes; every sub-statement sees the rows
      // as they were before the UPDATE.
      await manager.query(
        `WITH x AS (
           SELECT x.id, x.status, x.title, ARRAY(SELECT jsonb_array_elements_text(x.requirements)) AS requirements,
                  x.severity, x.message, x.remediation, x.evidence, x.port, x.protocol
             FROM unnest($4::uuid[], $5::text[], $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::text[],
                         $11::jsonb[], $12::int[], $13::text[])
                  AS x (id, status, title, requirements, severity, message, remediation, evidence, port, protocol)
         ), versions AS (
           INSERT INTO finding_versions (finding_id, valid_from, snapshot_id, policy_version, title, requirements,
                                         severity, message, remediation, evidence)
           SELECT x.id, $1, $2, $3, x.title, x.requirements, x.severity, x.message, x.remediation, x.evidence
             FROM x JOIN findings f ON f.id = x.id
            WHERE (f.title, f.requirements, f.severity, f.message, f.remediation, f.evidence)
                  IS DISTINCT FROM (x.title, x.requirements, x.severity, x.message, x.remediation, x.evidence)
         )
         UPDATE findings f
            SET status = x.status, title = x.title, requirements = x.requirements, severity = x.severity,
                message = x.message, remediation = x.remediation, evidence = x.evidence, last_seen_at = $1,
                last_snapshot_id = $2, resolved_at = NULL, resolved_snapshot_id = NULL, policy_version = $3,
                port = x.port, protocol = x.protocol
           FROM x
          WHERE f.id = x.id`,
        [
          context.at,
          context.snapshotId,
          context.policyVersion,
          chunk.map((c) => c.id),
          chunk.map((c) => c.to),
          chunk.map((c) => c.result.title),
          chunk.map((c) => JSON.stringify(c.result.requirements)),
          chunk.map((c) => c.result.severity),
          chunk.map((c) => c.result.message),
          chunk.map((c) => c.result.remediation ?? null),
          chunk.map((c) => JSON.stringify(c.result.evidence)),
          chunk.map((c) => c.result.port ?? null),
          chunk.map((c) => c.result.protocol ?? null),
        ],
      );
      for (const { id, to, reopened } of chunk) {
        if (reopened) transition(id, 'resolved', to, TRANSITION_REASONS.failsAgain);
      }
    }
    if (plan.resolve.length > 0) {
      await manager.query(
        `UPDATE findings SET status = 'resolved', resolved_at = $1, resolved_snapshot_id = $2
         WHERE id = ANY($3::uuid[])`,
        [context.at, context.snapshotId, plan.resolve.map((r) => r.id)],
      );
      for (const { id, from } of plan.resolve)
        transition(id, from, 'resolved', TRANSITION_REASONS.noLongerFails);
    }
    await this.recordTransitions(transitions, manager);
  }

  async recordTransitions(
    transitions: Partial<FindingTransitionEntity>[],
    manager: EntityManager,
  ): Promise<void> {
    // Chunked: one INSERT per few thousand rows keeps the statement's parameters under PostgreSQL's limit.
    for (let i = 0; i < transitions.length; i += 5000) {
      await manager.getRepository(FindingTransitionEntity).insert(transitions.slice(i, i + 5000));
    }
  }

  async setStatus(id: string, status: FindingStatus, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE findings SET status = $2 WHERE id = $1', [id, status]);
  }

  async findById(id: string, manager?: EntityManager): Promise<FindingEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /**
   * The scope's findings failing (open or excepted) as an evaluation left them, each as it was
   * then: its status from its transitions and what it said from its versions, so an old
   * evaluation's exports do not change when later evaluations resolve or reword its findings.
   * `through` marks the evaluation's place in that history by id, which tells apart evaluations of
   * the same moment; evaluations recorded before those marks existed are read by their moment.
   */
  async failingAsOf(
    scopeId: string,
    asOf: { at: Date; through: FindingsThrough | null },
  ): Promise<FindingExportRow[]> {
    const [transitions, versions, params] = asOfConditions(asOf);
    return this.dataSource.query(
      `SELECT f.id, f.fingerprint, f.rule_id AS "ruleId", v.title, v.requirements, v.severity, f.asset, f.subject,
              v.message, v.remediation, v.evidence, last.to_status AS status, f.first_seen_at AS "firstSeenAt"
         FROM findings f
         JOIN LATERAL (SELECT t.to_status FROM finding_transitions t
                        WHERE t.finding_id = f.id AND ${transitions} LIMIT 1) last ON true
         JOIN LATERAL (SELECT v.title, v.requirements, v.severity, v.message, v.remediation, v.evidence
                         FROM finding_versions v
                        WHERE v.finding_id = f.id AND ${versions} LIMIT 1) v ON true
        WHERE f.scope_id = $1 AND last.to_status IN ('open', 'excepted')
        ORDER BY f.fingerprint`,
      [scopeId, ...params],
    );
  }

  async lockById(id: string, manager: EntityManager): Promise<FindingEntity | null> {
    return this.repo(manager)
      .createQueryBuilder('f')
      .setLock('pessimistic_write')
      .where('f.id = :id', { id })
      .getOne();
  }

  /** What the finding said over time, oldest first: a row each time an evaluation changed it. */
  async versions(findingId: string): Promise<FindingVersionRow[]> {
    return this.dataSource.query(
      `SELECT valid_from AS "validFrom", snapshot_id AS "snapshotId", policy_version AS "policyVersion", title,
              requirements, severity, message, remediation, evidence
         FROM finding_versions WHERE finding_id = $1 ORDER BY valid_from, id`,
      [findingId],
    );
  }

  async timeline(findingId: string): Promise<FindingTransitionEntity[]> {
    return this.dataSource.getRepository(FindingTransitionEntity).find({
      where: { findingId },
      order: { id: 'ASC' },
    });
  }

  /**
   * Fingerprints of the scope's findings failing (open or excepted) as an evaluation left them
   * (see failingAsOf), from their transitions.
   */
  async failingAt(
    scopeId: string,
    asOf: { at: Date; through: FindingsThrough | null },
    manager: EntityManager,
  ): Promise<string[]> {
    const [transitions, , params] = asOfConditions(asOf);
    const rows: { fingerprint: string }[] = await manager.query(
      `SELECT f.fingerprint FROM findings f
       JOIN LATERAL (SELECT t.to_status FROM finding_transitions t
                     WHERE t.finding_id = f.id AND ${transitions} LIMIT 1) last ON true
       WHERE f.scope_id = $1 AND last.to_status IN ('open', 'excepted')
       ORDER BY f.fingerprint`,
      [scopeId, ...params.slice(0, 1)],
    );
    return rows.map((r) => r.fingerprint);
  }

  /**
   * One page of findings in keyset order: no OFFSET and no COUNT, so a page costs the same at
   * any depth. Reads plain rows (no entity hydration); `next` is the last row's position when
   * more rows follow.
   */
  async list(
    filter: FindingFilter,
    page: FindingPageRequest,
    manager?: EntityManager,
  ): Promise<{ items: FindingListRow[]; next: FindingPosition | null }> {
    const { rows, next } = await this.page<ListRow>(
      filter,
      page,
      `${FINDING_COLUMNS},
       w.id AS "waiverId", w.approver AS "waiverApprover", w.justification AS "waiverJustification",
       w.expires_at AS "waiverExpiresAt",
       b.id AS "baselineId", b.taken_at AS "baselineTakenAt", ${BASELINE_KNOWN} AS "baselineKnown"`,
      false,
      manager,
    );
    return { items: rows.map(toListRow), next };
  }

  /**
   * The same page as PostgreSQL's text (RawFindingRow), through a prepared statement: the list
   * route writes it as JSON directly, and its rows are never parsed into dates, arrays and
   * objects, mapped and serialised again in the API process, whose CPU is the list's limit (ADR 0014).
   */
  async listRaw(
    filter: FindingFilter,
    page: FindingPageRequest,
  ): Promise<{ items: RawFindingRow[]; next: FindingPosition | null }> {
    const { rows, next } = await this.page<RawFindingRow>(filter, page, RAW_FINDING_COLUMNS, true);
    return { items: rows, next };
  }

  private async page<Row extends { id: string; sortKey: string }>(
    filter: FindingFilter,
    page: FindingPageRequest,
    select: string,
    prepared = false,
    manager?: EntityManager,
  ): Promise<{ rows: Row[]; next: FindingPosition | null }> {
    const { where, params } = filterSql(filter);
    const order = FINDING_SORT_KEYS[page.sort];
    const keyType = order.key === 'timestamp' ? 'timestamptz' : 'smallint';
    if (page.after) {
      params.push(page.after.key, page.after.id);
      const n = params.length;
      where.push(
        `(${order.column}, f.id) ${order.descending ? '<' : '>'} ($${n - 1}::${keyType}, $${n}::uuid)`,
      );
    }
    params.push(page.limit + 1);
    const direction = order.descending ? 'DESC' : 'ASC';
    const keyText =
      order.key === 'timestamp'
        ? `to_char(${order.column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
        : `${order.column}::text`;
    // One statement per page: the waiver in force and the baseline verdict come from lateral
    // joins evaluated for the page's rows only (the scan stops at LIMIT), so a page costs one
    // round trip. The latest baseline depends on the scope alone (PostgreSQL memoizes it per
    // scope); whether the finding failed there is one probe of baseline_fingerprints, as a
    // lateral join with LIMIT 1 that the planner cannot turn into a hash. As an EXISTS in the
    // select list it could: planned for every row the filter matches rather than the page's
    // 101, hashing the baseline's fingerprints looked cheaper, and with 100,000 findings each
    // page hashed 35,000 fingerprints (13 ms of PostgreSQL per page instead of 0.6 ms).
    const sql = `SELECT ${select}, ${keyText} AS "sortKey"
       FROM findings f
       LEFT JOIN LATERAL (
         SELECT id, approver, justification, expires_at FROM waivers
         WHERE finding_id = f.id AND revoked_at IS NULL AND expired_at IS NULL) w ON true
       LEFT JOIN LATERAL (
         SELECT id, taken_at FROM baselines
         WHERE scope_id = f.scope_id ORDER BY created_at DESC, id DESC LIMIT 1) b ON true
       LEFT JOIN LATERAL (
         SELECT true AS known FROM baseline_fingerprints
         WHERE baseline_id = b.id AND fingerprint = f.fingerprint LIMIT 1) k ON true
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${order.column} ${direction}, f.id ${direction}
       LIMIT $${params.length}`;
    const rows: Row[] = prepared
      ? await preparedTextQuery<Row>(this.dataSource, sql, params)
      : await (manager ?? this.dataSource).query(sql, params);
    const more = rows.length > page.limit;
    const last = more ? rows[page.limit - 1] : undefined;
    return {
      rows: more ? rows.slice(0, page.limit) : rows,
      next: last ? { key: last.sortKey, id: last.id } : null,
    };
  }

  /** How many findings match a filter (a full count: asked for explicitly, never per page). */
  async count(filter: FindingFilter): Promise<number> {
    const { where, params } = filterSql(filter);
    const [row]: { n: string }[] = await this.dataSource.query(
      `SELECT count(*) AS n FROM findings f ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
    );
    return Number(row?.n ?? 0);
  }

  async countOpenBySeverity(): Promise<Record<string, number>> {
    const rows: { severity: string; n: string }[] = await this.dataSource.query(
      `SELECT severity, count(*) AS n FROM findings WHERE status = 'open' GROUP BY severity`,
    );
    return Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]));
  }
}

/**
 * The last transition (`t`) and version (`v`) of a finding as of an evaluation, from $2 on: by
 * the evaluation's marks in the findings' history, which tell apart evaluations of the same
 * moment, or by its moment for one recorded before the marks existed.
 */
function asOfConditions(asOf: {
  at: Date;
  through: FindingsThrough | null;
}): [transitions: string, versions: string, params: unknown[]] {
  return asOf.through
    ? [
        't.id <= $2 ORDER BY t.id DESC',
        'v.id <= $3 ORDER BY v.id DESC',
        [asOf.through.transitions, asOf.through.versions],
      ]
    : [
        't.at <= $2 ORDER BY t.at DESC, t.id DESC',
        'v.valid_from <= $2 ORDER BY v.valid_from DESC, v.id DESC',
        [asOf.at],
      ];
}

import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  addressWithinNetworks,
  contentHash,
  DriftwatchError,
  ErrorCode,
  findingFingerprint,
  parseNetwork,
  planFindings,
  retainUnjudged,
  type RuleResult,
} from '@driftwatch/core';
import {
  ConfigDocumentRepository,
  EvaluationRepository,
  FindingRepository,
  ScanRepository,
  type ScopeEntity,
  ScopeRepository,
  type SnapshotEntity,
  SnapshotRepository,
} from '@driftwatch/persistence';
import { evaluate, type EvaluationInput, unjudgedFindings } from '@driftwatch/policy-engine';

import { evaluationProof } from '@driftwatch/application/audit/audit-proofs';
import { AuditTrail, systemActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';

import { EvaluationContextLoader } from '@driftwatch/application/policies/evaluation-context';
import { SnapshotContent } from '@driftwatch/application/scans/snapshot-content.service';
import { WebhookEvents } from '@driftwatch/application/webhooks/webhook-events.service';

import { documentFacts, scopeView } from './evaluation-input';
import { PolicyProvider } from './policy.provider';

const WORKER = systemActor('worker');
const APPLY_ATTEMPTS = 3;

/** The latest of the moments given (undefined and null are none). */
function latest(moments: readonly (Date | null | undefined)[]): Date {
  const defined = moments.filter((m): m is Date => m instanceof Date);
  return new Date(Math.max(...defined.map((m) => m.getTime())));
}

/** What an evaluation found, as recorded: the failing fingerprints and a hash of every result. */
function resultsDigest(results: readonly RuleResult[]): {
  resultCount: number;
  resultsHash: string;
  failingCount: number;
  failingHash: string;
} {
  const rows = results
    .map((r) => ({
      fingerprint: findingFingerprint(r),
      ruleId: r.ruleId,
      severity: r.severity,
      asset: r.asset,
      subject: r.subject,
      message: r.message,
    }))
    .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  const failing = [...new Set(rows.map((r) => r.fingerprint))];
  return {
    resultCount: rows.length,
    resultsHash: contentHash(rows),
    failingCount: failing.length,
    failingHash: contentHash(failing),
  };
}

export type EvaluationOutcome =
  | { kind: 'evaluated'; opened: number; seen: number; resolved: number; unjudged: number }
  | { kind: 'skipped'; reason: string };

/**
 * Evaluates a stored snapshot against the active policy, with the current policy context, the
 * scope's scan history and the snapshot's changes, and moves the scope's findings in one
 * transaction: new results open findings, results seen again keep (or reopen) theirs, and open
 * findings the snapshot no longer shows are resolved, unless it could not judge them (the facts
 * their rule reads are missing: unjudged.ts), when they stay as they are.
 */
@Injectable()
export class EvaluationService {
  private readonly logger = new Logger(EvaluationService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: ScopeRepository,
    private readonly scans: ScanRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly findings: FindingRepository,
    private readonly policy: PolicyProvider,
    private readonly content: SnapshotContent,
    private readonly contexts: EvaluationContextLoader,
    private readonly configDocuments: ConfigDocumentRepository,
    private readonly clock: Clock,
    private readonly webhookEvents: WebhookEvents,
    private readonly evaluations: EvaluationRepository,
    private readonly audit: AuditTrail,
  ) {}

  async evaluateSnapshot(scanId: string, snapshotId: string): Promise<EvaluationOutcome> {
    const snapshot = await this.snapshots.findCommitted(snapshotId);
    if (!snapshot) throw new DriftwatchError(ErrorCode.NotFound, `snapshot ${snapshotId} not found`);
    const scope = await this.scopes.findLive(snapshot.scopeId);
    if (!scope) throw new DriftwatchError(ErrorCode.NotFound, `scope ${snapshot.scopeId} no longer exists`);
    return this.evaluateState(scope, snapshot, scanId);
  }

  /**
   * A scope's configuration changed: its latest snapshot is judged again with the documents now
   * in force. Before the scope's first snapshot there is nothing to judge them with; that
   * snapshot's own evaluation reads them.
   */
  async evaluateScopeConfig(scopeId: string): Promise<EvaluationOutcome> {
    const scope = await this.scopes.findLive(scopeId);
    if (!scope) return { kind: 'skipped', reason: 'the scope no longer exists' };
    const snapshot = await this.snapshots.latestForScope(scopeId, this.dataSource.manager);
    if (!snapshot) {
      return {
        kind: 'skipped',
        reason: "the scope has no snapshot yet; its first scan's evaluation reads the documents",
      };
    }
    return this.evaluateState(scope, snapshot, null);
  }

  /**
   * A scan failed for good: the scope is not being watched, which coverage rules judge (10.7.2)
   * from the scan history. No snapshot came of it, so the scope's latest snapshot is judged
   * again as of the failure, the failure its latest scan; the next completed scan's evaluation
   * resolves what this opens. Before the scope's first snapshot there is nothing to attach a
   * finding to: the failed scan and driftwatch_scans_total{outcome="failure"} show it.
   */
  async evaluateAfterScanFailure(scanId: string): Promise<EvaluationOutcome> {
    const scan = await this.scans.findById(scanId);
    if (!scan || scan.status !== 'failed' || !scan.finishedAt) {
      return { kind: 'skipped', reason: `scan ${scanId} is not a failed scan` };
    }
    const scope = await this.scopes.findLive(scan.scopeId);
    if (!scope) return { kind: 'skipped', reason: 'the scope no longer exists' };
    const snapshot = await this.snapshots.latestForScope(scope.id, this.dataSource.manager);
    if (!snapshot) {
      return { kind: 'skipped', reason: 'the scope has no snapshot yet to attach a finding to' };
    }
    return this.evaluateState(scope, snapshot, null, scan.finishedAt);
  }

  /**
   * Judges a snapshot with the configuration documents in force, as of the latest of the
   * snapshot, the newest document, the failed scan (when `failedAt` is given) and the scope's
   * findings as the last evaluation left them; `scanId` is the scan to mark completed (none when
   * re-judging). A snapshot newer by sequence than any judged is judged even when it is dated
   * before what was applied (an import of a scan taken before a failed one): findings never move
   * back in time, so it is judged as of that later moment, with the scan history up to it.
   */
  private async evaluateState(
    scope: ScopeEntity,
    snapshot: SnapshotEntity,
    scanId: string | null,
    failedAt?: Date,
  ): Promise<EvaluationOutcome> {
    // Another evaluation may apply a later moment between the read and the transaction: judged
    // again as of it, a few times, before the job's own retry takes over.
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.evaluateOnce(scope, snapshot, scanId, failedAt);
      if (outcome) return outcome;
      if (attempt === APPLY_ATTEMPTS)
        throw new DriftwatchError(
          ErrorCode.Conflict,
          `scope ${scope.id}: findings kept moving past the evaluation of snapshot ${snapshot.id}; retry`,
        );
    }
  }

  /** One attempt of evaluateState; null when findings were applied past its moment meanwhile. */
  private async evaluateOnce(
    scope: ScopeEntity,
    snapshot: SnapshotEntity,
    scanId: string | null,
    failedAt: Date | undefined,
  ): Promise<EvaluationOutcome | null> {
    const policy = await this.policy.active();
    const [states, appliedAt] = await Promise.all([
      this.configDocuments.states(scope.id),
      this.evaluations.latestAppliedAt(scope.id),
    ]);
    const facts = documentFacts(states, snapshot.takenAt);
    const { documents } = facts;
    const at = latest([facts.at, failedAt, appliedAt]);
    const { contextVersion, context, changes } = await this.contexts.load(
      snapshot,
      scanId ?? snapshot.scanId,
      at,
      failedAt !== undefined,
    );
    const input: EvaluationInput = {
      snapshot: {
        id: snapshot.id,
        scope: scopeView(scope, snapshot.vantage),
        hosts: await this.content.hostsOf(snapshot),
        missingTargets: snapshot.missingTargets,
        takenAt: snapshot.takenAt.toISOString(),
      },
      changes,
      context,
      documents,
      // The moment the evidence describes: findings say "as of the snapshot" (or of a newer document).
      now: at,
    };
    const { results } = evaluate(policy, input);

    // Webhook deliveries of the findings this evaluation opens or reopens: written with them, sent after the commit.
    let deliveries: string[] = [];
    const outcome = await this.dataSource.transaction(async (manager): Promise<EvaluationOutcome | null> => {
      // Serialise evaluations of one scope; a snapshot older than one already applied must not
      // move findings backwards (jobs of several workers, or a retried one, arrive in any order).
      // Newer by order, not only by time: a newer snapshot may have the same time (an older
      // import is dated at the scope's latest), and its evaluation may have written no finding
      // row at all (a clean scan with nothing to resolve). NO KEY: the lock still excludes other
      // evaluations, snapshots and the scope's own update or deletion, but not a waiver's insert,
      // whose foreign key takes a key-share lock on the scope while it holds its finding's row;
      // FOR UPDATE made the two wait on each other (a deadlock).
      await manager.query('SELECT id FROM scopes WHERE id = $1 FOR NO KEY UPDATE', [scope.id]);
      const [newer]: unknown[] = await manager.query(
        `SELECT 1 FROM snapshots s WHERE s.scope_id = $1 AND s.seq > $2
           AND EXISTS (SELECT 1 FROM evaluations e WHERE e.snapshot_id = s.id) LIMIT 1`,
        [scope.id, snapshot.seq],
      );
      if (newer) {
        if (scanId) await this.scans.markCompleted(scanId, this.clock.now(), manager);
        return { kind: 'skipped', reason: 'a newer snapshot of this scope was already evaluated' };
      }
      const applied = await this.evaluations.latestAppliedAt(scope.id, manager);
      if (applied && applied > at) return null;
      // An incomplete snapshot says nothing about the targets it missed: their findings stay as they are.
      const missing = snapshot.missingTargets.map(parseNetwork);
      const known = (await this.findings.knownForScope(scope.id, manager)).filter(
        (k) => missing.length === 0 || !addressWithinNetworks(k.asset ?? '', missing),
      );
      const planned = planFindings(known, results);
      const byId = new Map(known.map((k) => [k.id, k]));
      const refs = planned.resolve.map(({ id }) => {
        const k = byId.get(id);
        return { id, ruleId: k?.ruleId ?? '', asset: k?.asset ?? '', subject: k?.subject ?? '' };
      });
      const unjudged = new Set(unjudgedFindings(policy, input, refs).map((ref) => ref.id));
      const plan = retainUnjudged(planned, unjudged);
      await this.findings.apply(
        scope.id,
        plan,
        { snapshotId: snapshot.id, at, policyVersion: policy.version },
        manager,
      );
      deliveries = await this.webhookEvents.recordFindings(
        scope.id,
        plan,
        { snapshotId: snapshot.id, policyVersion: policy.version },
        manager,
      );
      if (scanId) await this.scans.markCompleted(scanId, this.clock.now(), manager);
      const evaluation = await this.evaluations.insert(
        {
          scopeId: scope.id,
          snapshotId: snapshot.id,
          scanId,
          policyName: policy.name,
          policyVersion: policy.version,
          contextVersion,
          at,
          evaluatedAt: this.clock.now(),
          ...resultsDigest(results),
          opened: plan.create.length,
          seen: plan.seen.length,
          resolved: plan.resolve.length,
          unjudged: plan.unjudged.length,
        },
        manager,
      );
      await this.audit.record(manager, {
        actor: WORKER,
        action: 'evaluation.recorded',
        subjectType: 'evaluation',
        subjectId: evaluation.id,
        scopeId: scope.id,
        details: evaluationProof(evaluation),
      });
      return {
        kind: 'evaluated',
        opened: plan.create.length,
        seen: plan.seen.length,
        resolved: plan.resolve.length,
        unjudged: plan.unjudged.length,
      };
    });
    if (!outcome) return null;
    await this.webhookEvents.dispatch(deliveries);
    this.logger.log(
      {
        scanId,
        snapshotId: snapshot.id,
        policyVersion: policy.version,
        contextVersion,
        documents: documents.length,
        ...outcome,
      },
      'snapshot evaluated',
    );
    return outcome;
  }
}

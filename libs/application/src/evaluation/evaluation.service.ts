import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  addressWithinNetworks,
  DriftwatchError,
  ErrorCode,
  parseNetwork,
  planFindings,
} from '@driftwatch/core';
import {
  FindingRepository,
  ScanRepository,
  ScopeRepository,
  SnapshotRepository,
} from '@driftwatch/persistence';
import { evaluate } from '@driftwatch/policy-engine';

import { Clock } from '@driftwatch/application/common/clock';

import { EvaluationContextLoader } from '@driftwatch/application/policies/evaluation-context';
import { SnapshotContent } from '@driftwatch/application/scans/snapshot-content.service';

import { PolicyProvider } from './policy.provider';

function isNetwork(target: string): boolean {
  try {
    parseNetwork(target);
    return true;
  } catch {
    return false;
  }
}

export type EvaluationOutcome =
  { kind: 'evaluated'; opened: number; seen: number; resolved: number } | { kind: 'skipped'; reason: string };

/**
 * Evaluates a stored snapshot against the active policy, with the current policy context, the
 * scope's scan history and the snapshot's changes, and moves the scope's findings in one
 * transaction: new results open findings, results seen again keep (or reopen) theirs, and open
 * findings the snapshot no longer shows are resolved.
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
    private readonly clock: Clock,
  ) {}

  async evaluateSnapshot(scanId: string, snapshotId: string): Promise<EvaluationOutcome> {
    const snapshot = await this.snapshots.findById(snapshotId);
    if (!snapshot) throw new DriftwatchError(ErrorCode.NotFound, `snapshot ${snapshotId} not found`);
    const scope = await this.scopes.findLive(snapshot.scopeId);
    if (!scope) throw new DriftwatchError(ErrorCode.NotFound, `scope ${snapshot.scopeId} no longer exists`);

    const policy = await this.policy.active();
    const { contextVersion, context, changes } = await this.contexts.load(snapshot, scanId);
    const { results } = evaluate(policy, {
      snapshot: {
        id: snapshot.id,
        scope: {
          id: scope.id,
          vantage: scope.vantage,
          approvedPorts: scope.approvedPorts,
          // Hostname targets were resolved at scan time; rules place addresses by network only.
          targets: scope.targets.filter(isNetwork),
        },
        hosts: await this.content.hostsOf(snapshot),
        missingTargets: snapshot.missingTargets,
        takenAt: snapshot.takenAt.toISOString(),
      },
      changes,
      context,
      // The moment the evidence describes: findings say "as of the snapshot".
      now: snapshot.takenAt,
    });

    const outcome = await this.dataSource.transaction(async (manager): Promise<EvaluationOutcome> => {
      // Serialise evaluations of one scope; a snapshot older than one already applied must not
      // move findings backwards (a retried job can arrive late).
      await manager.query('SELECT id FROM scopes WHERE id = $1 FOR UPDATE', [scope.id]);
      const [newer]: unknown[] = await manager.query(
        `SELECT 1 FROM findings WHERE scope_id = $1 AND last_seen_at > $2
         UNION ALL SELECT 1 FROM findings WHERE scope_id = $1 AND resolved_at > $2 LIMIT 1`,
        [scope.id, snapshot.takenAt],
      );
      if (newer) {
        await this.scans.markCompleted(scanId, this.clock.now(), manager);
        return { kind: 'skipped', reason: 'a newer snapshot of this scope was already evaluated' };
      }
      // An incomplete snapshot says nothing about the targets it missed: their findings stay as they are.
      const missing = snapshot.missingTargets.map(parseNetwork);
      const known = (await this.findings.knownForScope(scope.id, manager)).filter(
        (k) => missing.length === 0 || !addressWithinNetworks(k.asset ?? '', missing),
      );
      const plan = planFindings(known, results);
      await this.findings.apply(
        scope.id,
        plan,
        { snapshotId: snapshot.id, at: snapshot.takenAt, policyVersion: policy.version },
        manager,
      );
      await this.scans.markCompleted(scanId, this.clock.now(), manager);
      return {
        kind: 'evaluated',
        opened: plan.create.length,
        seen: plan.seen.length,
        resolved: plan.resolve.length,
      };
    });
    this.logger.log(
      { scanId, snapshotId, policyVersion: policy.version, contextVersion, ...outcome },
      'snapshot evaluated',
    );
    return outcome;
  }
}

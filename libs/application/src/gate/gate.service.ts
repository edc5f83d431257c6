import { Injectable } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';
import { type GateFinding, judgeGate } from '@driftwatch/core';
import {
  BaselineRepository,
  EvaluationRepository,
  ScopeRepository,
  SnapshotRepository,
} from '@driftwatch/persistence';
import { gateRules } from '@driftwatch/policy-engine';

import { Clock } from '@driftwatch/application/common/clock';
import { PolicyProvider } from '@driftwatch/application/evaluation/policy.provider';
import type { FindingResponseDto } from '@driftwatch/application/findings/finding.dto';
import { FindingService } from '@driftwatch/application/findings/finding.service';
import { scopeNotFound } from '@driftwatch/application/scopes/scope-not-found';

import type { GateQueryDto, GateResponseDto } from './gate.dto';

// Failing findings are read in pages of this size (a large scope can have many).
const PAGE = 500;

/** The CI gate over a scope's stored state: its latest evaluation, findings and baseline. */
@Injectable()
export class GateService {
  constructor(
    private readonly scopes: ScopeRepository,
    private readonly evaluations: EvaluationRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly baselines: BaselineRepository,
    private readonly findings: FindingService,
    private readonly policies: PolicyProvider,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async gate(query: GateQueryDto): Promise<GateResponseDto> {
    const scope = await this.scopes.findLive(query.scope);
    if (!scope) throw scopeNotFound(query.scope);
    const [latest] = await this.evaluations.listForScope(scope.id, 1);
    const [snapshot, baseline, failing] = await Promise.all([
      latest ? this.snapshots.findById(latest.snapshotId) : Promise.resolve(null),
      this.baselines.latestRef(scope.id),
      this.failingFindings(scope.id),
    ]);
    // The rules of the policy the scope was last judged with (the active one before any evaluation).
    const policy = latest ? await this.policies.compiled(latest.policyVersion) : await this.policies.active();
    return judgeGate({
      scope: { id: scope.id, name: scope.name },
      failOn: query.failOn ?? 'high',
      mode: query.mode ?? 'all',
      findings: failing.map((f) => ({ ...gateFinding(f), excepted: f.status === 'excepted' })),
      rules: gateRules(policy),
      policy: { name: policy.name, version: policy.version },
      baseline: baseline ? { id: baseline.id, takenAt: baseline.takenAt.toISOString() } : null,
      snapshot: snapshot ? { id: snapshot.id, takenAt: snapshot.takenAt.toISOString() } : null,
      maxSnapshotAgeSeconds: this.config.gate.maxSnapshotAgeSeconds,
      now: this.clock.now().toISOString(),
    });
  }

  private async failingFindings(scopeId: string): Promise<FindingResponseDto[]> {
    const all: FindingResponseDto[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.findings.list({
        scope: scopeId,
        status: ['open', 'excepted'],
        sort: '-severity',
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }
}

function gateFinding(f: FindingResponseDto): GateFinding {
  return {
    id: f.id,
    fingerprint: f.fingerprint,
    ruleId: f.ruleId,
    title: f.title,
    requirements: f.requirements,
    severity: f.severity,
    asset: f.asset,
    subject: f.subject,
    port: f.port,
    protocol: f.protocol,
    message: f.message,
    remediation: f.remediation,
    newSinceBaseline: f.newSinceBaseline,
    evidenceUrl: `/api/v1/findings/${f.id}`,
  };
}

import { Readable } from 'node:stream';

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  canonicalContent,
  DriftwatchError,
  ErrorCode,
  findingFingerprint,
  judgeGate,
  type NetworkObservation,
} from '@driftwatch/core';
import { AppConfig } from '@driftwatch/config';
import { diffObservations } from '@driftwatch/drift';
import { parseNmapXml } from '@driftwatch/nmap';
import { withPortFacts } from '@driftwatch/nmap/facts';
import {
  BaselineRepository,
  ConfigDocumentRepository,
  FindingRepository,
  ScopeRepository,
  SnapshotRepository,
} from '@driftwatch/persistence';
import {
  type ConfigDocumentFacts,
  evaluate,
  gateFindingOf,
  gateRules,
  uniqueResults,
} from '@driftwatch/policy-engine';

import { Clock } from '@driftwatch/application/common/clock';
import { ConfigDocumentService } from '@driftwatch/application/config/config-document.service';
import { documentFacts, scopeView } from '@driftwatch/application/evaluation/evaluation-input';
import { PolicyProvider } from '@driftwatch/application/evaluation/policy.provider';
import { hostsOutsideScope } from '@driftwatch/application/imports/snapshot-import.service';
import { EvaluationContextLoader } from '@driftwatch/application/policies/evaluation-context';
import { SnapshotContent } from '@driftwatch/application/scans/snapshot-content.service';
import { scopeNotFound } from '@driftwatch/application/scopes/scope-not-found';

import { CANDIDATE_XML_MAX_BYTES, type DryRunDto } from './dry-run.dto';
import type { GateResponseDto } from './gate.dto';

/**
 * POST /evaluate: a deploy's candidate (nmap XML of staging, configuration documents about to be
 * applied) judged as an evaluation would judge it, against the scope's active policy, context and
 * baseline, and answered as the gate answers. Nothing is stored, nothing is queued.
 */
@Injectable()
export class DryRunService {
  constructor(
    private readonly scopes: ScopeRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly content: SnapshotContent,
    private readonly contexts: EvaluationContextLoader,
    private readonly configDocuments: ConfigDocumentRepository,
    private readonly documents: ConfigDocumentService,
    private readonly baselines: BaselineRepository,
    private readonly findings: FindingRepository,
    private readonly policies: PolicyProvider,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async evaluate(dto: DryRunDto): Promise<GateResponseDto> {
    if (dto.nmapXml === undefined && (dto.documents ?? []).length === 0) {
      throw DriftwatchError.validation([
        { field: 'nmapXml', reason: 'a dry run needs a candidate: nmapXml and/or documents' },
      ]);
    }
    const scope = await this.scopes.findLive(dto.scope);
    if (!scope) throw scopeNotFound(dto.scope);
    const candidate =
      dto.nmapXml === undefined ? undefined : await this.parseCandidate(dto.nmapXml, scope.targets);
    const candidateDocs = await Promise.all(
      (dto.documents ?? []).map((d, i) => this.documents.candidate(d, `documents[${i}]`)),
    );

    const current = await this.snapshots.latestForScope(scope.id, this.dataSource.manager);
    if (!current && !candidate) {
      throw new DriftwatchError(
        ErrorCode.Conflict,
        `scope ${scope.id} has no snapshot to judge the candidate documents with; send nmapXml too`,
      );
    }
    const now = this.clock.now();
    const currentHosts = current ? await this.content.hostsOf(current) : [];
    const hosts = candidate?.hosts ?? currentHosts;
    const [policy, loaded, states, baseline, statuses] = await Promise.all([
      this.policies.active(),
      current ? this.contexts.load(current, current.scanId) : this.contexts.loadFirst(),
      this.configDocuments.states(scope.id),
      this.baselines.latestRef(scope.id),
      this.findings.knownForScope(scope.id, this.dataSource.manager),
    ]);
    // The documents in force, with the candidates in place of those they replace.
    const streamOf = (d: { asset: string; kind: string; tag: string; schema: string }) =>
      [d.asset, d.kind, d.tag, d.schema].join('\u0000');
    const replaced = new Set(candidateDocs.map(streamOf));
    const inForce = documentFacts(
      states.filter(({ document: d }) => !replaced.has(streamOf({ ...d, schema: d.schemaName ?? '' }))),
      now,
    ).documents;
    const documents: ConfigDocumentFacts[] = [
      ...inForce,
      ...candidateDocs.map((d): ConfigDocumentFacts => ({
        kind: d.kind,
        asset: d.asset,
        collectedAt: now.toISOString(),
        ...(d.tag === 'running' || d.tag === 'startup' ? { tag: d.tag } : {}),
        ...(d.schema !== '' ? { schema: d.schema } : {}),
        facts: d.facts,
      })),
    ];
    // A candidate network state is judged with its drift from the current one (1.2.2 asks
    // whether each change was approved).
    // A scope's first snapshot has no drift: it is the state drift is measured from.
    const changes =
      candidate && current
        ? diffObservations({ run: candidate.run, hosts: currentHosts }, candidate).map((c) => ({
            ...c,
            detectedAt: now.toISOString(),
          }))
        : loaded.changes;
    const { results } = evaluate(policy, {
      snapshot: {
        id: 'candidate',
        scope: scopeView(scope),
        hosts,
        missingTargets: [],
        takenAt: now.toISOString(),
      },
      changes,
      context: loaded.context,
      documents,
      now,
    });
    const unique = uniqueResults(results);
    // Only the candidate's own fingerprints are looked up: a baseline can hold a hundred thousand.
    const known = baseline
      ? await this.baselines.approvedOf(baseline.id, [...new Set(unique.map(findingFingerprint))])
      : new Set<string>();
    const excepted = new Set(statuses.filter((k) => k.status === 'excepted').map((k) => k.fingerprint));
    return judgeGate({
      scope: { id: scope.id, name: scope.name },
      failOn: dto.failOn ?? 'high',
      mode: dto.mode ?? 'all',
      findings: unique.map((r) => ({
        ...gateFindingOf(r, baseline ? !known.has(findingFingerprint(r)) : null),
        excepted: excepted.has(findingFingerprint(r)),
      })),
      rules: gateRules(policy),
      policy: { name: policy.name, version: policy.version },
      baseline: baseline ? { id: baseline.id, takenAt: baseline.takenAt.toISOString() } : null,
      snapshot: { id: 'candidate', takenAt: now.toISOString() },
      maxSnapshotAgeSeconds: null,
      now: now.toISOString(),
      dryRun: true,
    });
  }

  private async parseCandidate(xml: string, targets: readonly string[]): Promise<NetworkObservation> {
    let observation: NetworkObservation;
    try {
      observation = await parseNmapXml(Readable.from([Buffer.from(xml, 'utf8')]), {
        maxBytes: CANDIDATE_XML_MAX_BYTES,
      });
    } catch (error: unknown) {
      if (error instanceof DriftwatchError) {
        throw DriftwatchError.validation([{ field: 'nmapXml', reason: error.message }]);
      }
      throw error;
    }
    const outside = hostsOutsideScope(observation.hosts, targets, this.config.scan.allowedNetworks);
    if (outside.length > 0) {
      throw DriftwatchError.validation(
        outside.map((f) => ({ field: `nmapXml.${f.field}`, reason: f.reason })),
      );
    }
    return { run: observation.run, hosts: canonicalContent(withPortFacts(observation.hosts)).hosts };
  }
}

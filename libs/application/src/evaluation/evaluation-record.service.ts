import type { Readable } from 'node:stream';

import { Injectable } from '@nestjs/common';

import { DriftwatchError, ErrorCode, storedHost } from '@driftwatch/core';
import {
  evidenceBundle,
  type OscalAssessmentResultsDocument,
  oscalAssessmentResultsSteps,
  type OscalFindingInput,
  prettyJsonParts,
} from '@driftwatch/export';
import { nmapXmlParts } from '@driftwatch/nmap';
import {
  AuditRepository,
  EvaluationRepository,
  type EvaluationRecord,
  FindingRepository,
  PolicyVersionRepository,
  ScopeRepository,
  SnapshotRepository,
} from '@driftwatch/persistence';

import { decodeCursor, encodeCursor, TIMESTAMP_KEY } from '@driftwatch/application/common/cursor';
import {
  encodedStream,
  encodeParts,
  runCooperatively,
  snapshotContentHashCooperatively,
} from '@driftwatch/application/common/cooperative';
import { PolicyProvider } from '@driftwatch/application/evaluation/policy.provider';
import { SnapshotContent } from '@driftwatch/application/scans/snapshot-content.service';
import { scopeNotFound } from '@driftwatch/application/scopes/scope-not-found';

import {
  type EvaluationListResponseDto,
  type EvaluationResponseDto,
  type ListEvaluationsQueryDto,
  mapEvaluation,
} from './evaluation-record.dto';

const DEFAULT_LIMIT = 50;
const CURSOR_SORT = '-evaluatedAt';
// An evidence bundle carries the chain from the snapshot's entry to the evaluation's; past this
// many entries it carries the two entries only (the full chain is served by GET /audit).
const MAX_CHAIN_STRETCH = 10_000;

const VERIFY_README = `Driftwatch evidence bundle

manifest.json lists every file with its size and sha256; filesSha256 pins them all.

audit-chain.json holds the audit entries that record this snapshot and evaluation, in sequence,
and every entry recorded between them: the chain links each entry to the one before it whatever
its scope, so entries of other scopes and actions appear in between. When the two are 10,000 or
more entries apart, it holds those two entries only and says "complete": false: page through the
rest with GET /api/v1/audit?after=<the snapshot entry's seq - 1> (following nextAfter up to the
evaluation entry's seq), or check the whole chain with GET /api/v1/audit/verify.
Each entry proves its content and its place:
  hash = sha256(prevHash + canonicalJson({seq, at, actor, actorName, action, subjectType,
                                          subjectId, scopeId, details}))
where canonicalJson sorts object keys and has no whitespace, and prevHash is the hash of the
entry before it. Compare the last entry's hash with the chain head Driftwatch reports
(GET /api/v1/audit/verify) or with a head you recorded earlier.

snapshot.nmap.xml is the snapshot in nmap's XML format, rendered from what Driftwatch stored (the
scan's own XML is not kept): parsed again it gives the same content hash.
snapshot.json is the snapshot's canonical content: the "snapshot.stored" entry's
details.contentHash is sha256(canonicalJson(hosts, each port without derived tls/ssh/http facts)).
evaluation.json is the evaluation record that the "evaluation.recorded" entry's details repeat.
findings.json are the findings failing at the evaluation's moment, with their evidence.
policy.json is the policy version (its files) the evaluation was judged against.
`;

/** Stored evaluations: listed, and exported for auditors (OSCAL, evidence bundle). */
@Injectable()
export class EvaluationRecordService {
  constructor(
    private readonly evaluations: EvaluationRepository,
    private readonly scopes: ScopeRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly findings: FindingRepository,
    private readonly versions: PolicyVersionRepository,
    private readonly policies: PolicyProvider,
    private readonly content: SnapshotContent,
    private readonly audit: AuditRepository,
  ) {}

  async list(scopeId: string, query: ListEvaluationsQueryDto): Promise<EvaluationListResponseDto> {
    if (!(await this.scopes.findById(scopeId))) throw scopeNotFound(scopeId);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after =
      query.cursor === undefined ? undefined : decodeCursor(query.cursor, CURSOR_SORT, TIMESTAMP_KEY);
    const rows = await this.evaluations.listForScope(
      scopeId,
      limit + 1,
      after && { evaluatedAt: new Date(after.key), id: after.id },
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(mapEvaluation),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor(CURSOR_SORT, { key: microseconds(last.evaluatedAt), id: last.id })
          : null,
    };
  }

  async get(id: string): Promise<EvaluationResponseDto> {
    return mapEvaluation(await this.find(id));
  }

  /**
   * The evaluation's OSCAL assessment-results document as JSON text (two-space indented),
   * streamed as it is written: with 100,000 failing findings it is a gigabyte, past V8's
   * string limit.
   */
  async oscalJson(id: string): Promise<Readable> {
    return encodedStream(prettyJsonParts(await this.oscal(id)));
  }

  /** The evaluation as an OSCAL assessment-results document. */
  async oscal(id: string): Promise<OscalAssessmentResultsDocument> {
    const { evaluation, scopeName, snapshot, rules, failing } = await this.gather(id);
    return runCooperatively(
      oscalAssessmentResultsSteps({
        evaluation: {
          id: evaluation.id,
          scope: { id: evaluation.scopeId, name: scopeName },
          snapshot: {
            id: snapshot.id,
            contentHash: snapshot.contentHash,
            takenAt: snapshot.takenAt.toISOString(),
          },
          policy: { name: evaluation.policyName, version: evaluation.policyVersion },
          evaluatedAt: evaluation.evaluatedAt.toISOString(),
        },
        rules,
        findings: failing,
      }),
    );
  }

  /**
   * A reproducible tar.gz of the evidence: the snapshot's content, the evaluation, the findings it
   * saw failing, the policy version and the audit entries that prove them, with a manifest of hashes.
   * The snapshot's files are written host by host, yielding between batches, and the archive is
   * compressed as it streams: a snapshot of tens of thousands of hosts (hundreds of megabytes of
   * JSON and XML) neither holds the API nor has to fit in one string.
   */
  async evidence(id: string): Promise<{ fileName: string; archive: Readable }> {
    const gathered = await this.gather(id);
    const { evaluation, snapshot, failing } = gathered;
    const policyFiles = await this.versions.findByVersion(evaluation.policyVersion);
    // Canonical already (assembleHosts sorts); storedHost fixes each port's member order.
    const hosts = (await this.content.storedHostsOf(snapshot)).map(storedHost);
    const [snapshotEntry] = await this.audit.forSubjects('snapshot', [snapshot.id]);
    const [evaluationEntry] = await this.audit.forSubjects('evaluation', [evaluation.id]);
    const proving = [snapshotEntry, evaluationEntry].filter((e) => e !== undefined);
    const chain =
      snapshotEntry && evaluationEntry && evaluationEntry.seq - snapshotEntry.seq < MAX_CHAIN_STRETCH
        ? await this.audit.range(snapshotEntry.seq, evaluationEntry.seq)
        : proving;
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
    const snapshotJson = await encodeParts(
      jsonFile({
        id: snapshot.id,
        scopeId: snapshot.scopeId,
        takenAt: snapshot.takenAt.toISOString(),
        contentHash: snapshot.contentHash,
        recomputedContentHash: await snapshotContentHashCooperatively(hosts),
        run: snapshot.run,
        hosts,
      }),
    );
    const snapshotXml = await encodeParts(
      nmapXmlParts(
        { run: snapshot.run, hosts },
        {
          comment: `Rendered by Driftwatch from stored snapshot ${snapshot.id} (content ${snapshot.contentHash})`,
        },
      ),
    );
    const archive = evidenceBundle({
      mtime: evaluation.evaluatedAt,
      files: [
        { name: 'README.txt', content: VERIFY_README },
        { name: 'evaluation.json', content: json(mapEvaluation(evaluation)) },
        { name: 'snapshot.json', content: snapshotJson },
        { name: 'snapshot.nmap.xml', content: snapshotXml },
        { name: 'findings.json', content: await encodeParts(jsonFile(failing)) },
        {
          name: 'policy.json',
          content: json({
            name: evaluation.policyName,
            version: evaluation.policyVersion,
            files: policyFiles?.files ?? [],
          }),
        },
        // Complete: every entry from the snapshot's to the evaluation's, so each links to the one before.
        { name: 'audit-chain.json', content: json({ complete: chain !== proving, entries: chain }) },
      ],
    });
    return { fileName: `driftwatch-evidence-${evaluation.id}.tar.gz`, archive };
  }

  private async find(id: string): Promise<EvaluationRecord> {
    const evaluation = await this.evaluations.findById(id);
    if (!evaluation) throw new DriftwatchError(ErrorCode.NotFound, `evaluation ${id} not found`);
    return evaluation;
  }

  /** What both exports need: the evaluation, its scope, snapshot and rules, and the findings failing then. */
  private async gather(id: string) {
    const evaluation = await this.find(id);
    const [scope, snapshot, policy] = await Promise.all([
      this.scopes.findById(evaluation.scopeId),
      this.snapshots.findById(evaluation.snapshotId),
      this.policies.compiled(evaluation.policyVersion),
    ]);
    if (!snapshot) {
      throw new DriftwatchError(
        ErrorCode.NotFound,
        `snapshot ${evaluation.snapshotId} of evaluation ${id} not found`,
      );
    }
    const rows = await this.findings.failingAsOf(evaluation.scopeId, {
      at: evaluation.at,
      through: evaluation.findingsThrough,
    });
    const failing: OscalFindingInput[] = rows.map((f) => ({
      id: f.id,
      fingerprint: f.fingerprint,
      ruleId: f.ruleId,
      title: f.title,
      requirements: f.requirements,
      severity: f.severity,
      asset: f.asset,
      subject: f.subject,
      message: f.message,
      evidence: f.evidence,
      status: f.status,
      firstFailedAt: f.firstSeenAt.toISOString(),
      remediation: f.remediation,
    }));
    const rules = policy.rules.map(({ rule }) => ({
      id: rule.id,
      title: rule.title,
      requirements: rule.requirements,
      severity: rule.severity,
      remediation: rule.remediation ?? null,
    }));
    // The name the scope had when evaluated: a later rename must not change a past export.
    const scopeName = evaluation.scopeName ?? scope?.name ?? evaluation.scopeId;
    return { evaluation, scopeName, snapshot, rules, failing };
  }
}

function microseconds(at: Date): string {
  return at.toISOString().replace('Z', '000Z');
}

/** A JSON file of the bundle: two-space indented, in parts, ending with a newline. */
function* jsonFile(value: unknown): Generator<string, void, undefined> {
  yield* prettyJsonParts(value);
  yield '\n';
}

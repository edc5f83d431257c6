import { canonicalJson, type FindingStatus, type Severity } from '@driftwatch/core';

import { uuidV5 } from '@driftwatch/export/uuid-v5';

import type {
  OscalAssessmentResultsDocument,
  OscalFinding,
  OscalInventoryItem,
  OscalObservation,
  OscalProperty,
  OscalResult,
} from './assessment-results.types';

/** The OSCAL release of the published schema the export is validated against (../shared/fixtures/schemas). */
export const OSCAL_VERSION = '1.0.6';

/** Namespace of Driftwatch's own OSCAL properties (OSCAL requires one for names it does not define). */
export const DRIFTWATCH_OSCAL_NS = 'urn:driftwatch:oscal';

/** One evaluation: a policy version run against one snapshot of one scope, at one moment. */
export interface OscalEvaluationInput {
  id: string;
  scope: { id: string; name: string };
  snapshot: {
    id: string;
    /** sha256 of the snapshot's canonical content. */
    contentHash: string;
    /** ISO 8601; when the snapshot's scan finished. */
    takenAt: string;
    /** Where the snapshot can be fetched; defaults to its API route. */
    href?: string;
  };
  policy: { name: string; version: string };
  /** ISO 8601. */
  evaluatedAt: string;
}

/** A rule the policy checked, failing or not: what makes the requirements "reviewed". */
export interface OscalRuleInput {
  id: string;
  title: string;
  /** e.g. "PCI DSS v4.0.1 2.2.7". */
  requirements: readonly string[];
  severity: Severity;
  remediation?: string | null;
}

/** A finding failing at the evaluation (as Driftwatch's FindingResponseDto, plus its fingerprint). */
export interface OscalFindingInput {
  fingerprint: string;
  ruleId: string;
  title: string;
  requirements: readonly string[];
  severity: Severity;
  asset: string;
  subject: string;
  message: string;
  evidence: Record<string, unknown>;
  status: FindingStatus;
  /** ISO 8601. */
  firstFailedAt: string;
  remediation?: string | null;
  /** Driftwatch's finding id, when the finding is stored. */
  id?: string;
}

export interface OscalAssessmentResultsInput {
  evaluation: OscalEvaluationInput;
  rules: readonly OscalRuleInput[];
  findings: readonly OscalFindingInput[];
}

/**
 * An OSCAL assessment-results document of one evaluation: the PCI DSS requirements its rules
 * check (reviewed-controls), one observation per failing rule and asset, one finding per failing
 * Driftwatch finding and requirement it evidences. Pure: UUIDs are name-based (v5) on stable ids
 * and everything is sorted, so the same evaluation always serialises to the same bytes.
 */
export function oscalAssessmentResults(input: OscalAssessmentResultsInput): OscalAssessmentResultsDocument {
  const steps = oscalAssessmentResultsSteps(input);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Findings or observations built between two pauses of oscalAssessmentResultsSteps. */
const ITEMS_PER_STEP = 1000;

/**
 * oscalAssessmentResults as steps: the generator pauses (yields) after every ITEMS_PER_STEP
 * observations, findings or inventory items and returns the document. A caller that must not
 * hold its thread for seconds (100,000 findings take about 7 s) resumes it between other work.
 */
export function* oscalAssessmentResultsSteps(
  input: OscalAssessmentResultsInput,
): Generator<void, OscalAssessmentResultsDocument, undefined> {
  const { evaluation } = input;
  const findings = uniqueSorted(input.findings);
  const rules = new Map([...input.rules].map((r) => [r.id, r]));
  const evaluatedAt = isoInstant(evaluation.evaluatedAt, 'evaluation.evaluatedAt');
  const takenAt = isoInstant(evaluation.snapshot.takenAt, 'evaluation.snapshot.takenAt');
  const snapshotHref =
    evaluation.snapshot.href ?? `/api/v1/snapshots/${encodeURIComponent(evaluation.snapshot.id)}`;
  const toolUuid = uuidV5('tool:driftwatch');

  const requirements = sortedUnique([
    ...input.rules.flatMap((r) => r.requirements),
    ...findings.flatMap((f) => f.requirements),
  ]);
  const controlIds = sortedUnique(requirements.map(controlId));

  const observationUuid = (f: OscalFindingInput) =>
    uuidV5(`observation:${evaluation.id}:${f.ruleId}:${f.asset}`);
  const assetUuid = (asset: string) => uuidV5(`asset:${evaluation.scope.id}:${asset}`);

  const observations: OscalObservation[] = [];
  for (const group of groupBy(findings, (f) => `${f.ruleId}\u0000${f.asset}`)) {
    if (observations.length % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
    const first = group[0];
    const rule = rules.get(first.ruleId);
    observations.push({
      uuid: observationUuid(first),
      title: `${rule?.title ?? first.title} on ${first.asset}`,
      description: group.map((f) => f.message).join('\n'),
      props: props([
        ['rule-id', first.ruleId],
        ['severity', first.severity],
        ['asset', first.asset],
      ]),
      methods: ['TEST'],
      types: ['finding'],
      origins: [{ actors: [{ type: 'tool', 'actor-uuid': toolUuid }] }],
      subjects: [{ 'subject-uuid': assetUuid(first.asset), type: 'inventory-item', title: first.asset }],
      'relevant-evidence': group.map((f) => ({
        href: snapshotHref,
        description: `${f.subject} on ${f.asset}: ${f.message}`,
        props: props([
          ['fingerprint', f.fingerprint],
          ['subject', f.subject],
          ['snapshot-id', evaluation.snapshot.id],
          ['snapshot-content-hash', evaluation.snapshot.contentHash],
        ]),
        remarks: canonicalJson(f.evidence),
      })),
      collected: takenAt,
    });
  }

  const oscalFindings: OscalFinding[] = [];
  for (const [i, f] of findings.entries()) {
    if (i % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
    const targets = f.requirements.length > 0 ? sortedUnique(f.requirements) : [f.ruleId];
    for (const requirement of targets)
      oscalFindings.push({
        uuid: uuidV5(`finding:${evaluation.id}:${f.fingerprint}:${requirement}`),
        title: `${requirement}: ${f.title}`,
        description: f.message,
        props: props([
          ['severity', f.severity],
          ['rule-id', f.ruleId],
          ['fingerprint', f.fingerprint],
          ['finding-id', f.id],
          ['finding-status', f.status],
          ['first-failed-at', isoInstant(f.firstFailedAt, 'findings[].firstFailedAt')],
          ['requirement', requirement],
          ['snapshot-id', evaluation.snapshot.id],
          ['snapshot-content-hash', evaluation.snapshot.contentHash],
          ['policy-version', evaluation.policy.version],
        ]),
        origins: [{ actors: [{ type: 'tool', 'actor-uuid': toolUuid }] }],
        target: {
          type: 'objective-id',
          'target-id': controlId(requirement),
          title: requirement,
          status: {
            state: 'not-satisfied',
            reason: 'fail',
            ...(f.status === 'excepted' ? { remarks: 'Excepted: failing under a waiver in force.' } : {}),
          },
        },
        'related-observations': [{ 'observation-uuid': observationUuid(f) }],
        ...(f.remediation ? { remarks: `Remediation: ${f.remediation}` } : {}),
      });
  }

  const inventory: OscalInventoryItem[] = sortedUnique(findings.map((f) => f.asset)).map((asset) => ({
    uuid: assetUuid(asset),
    description: `Asset ${asset} of scope ${evaluation.scope.name}`,
    props: props([['asset', asset]]),
  }));

  const assets = new Set(findings.map((f) => f.asset)).size;
  const result: OscalResult = {
    uuid: uuidV5(`result:${evaluation.id}`),
    title: `Evaluation of ${evaluation.scope.name} against ${evaluation.policy.name} ${evaluation.policy.version}`,
    description:
      `Driftwatch evaluated policy ${evaluation.policy.name} version ${evaluation.policy.version} against ` +
      `snapshot ${evaluation.snapshot.id} (sha256 ${evaluation.snapshot.contentHash}) of scope ` +
      `${evaluation.scope.name}, taken ${takenAt}: ${findings.length} failing finding(s) on ${assets} asset(s).`,
    start: takenAt,
    end: evaluatedAt < takenAt ? takenAt : evaluatedAt,
    props: props([
      ['evaluation-id', evaluation.id],
      ['scope-id', evaluation.scope.id],
      ['scope-name', evaluation.scope.name],
      ['snapshot-id', evaluation.snapshot.id],
      ['snapshot-content-hash', evaluation.snapshot.contentHash],
      ['policy-name', evaluation.policy.name],
      ['policy-version', evaluation.policy.version],
    ]),
    'local-definitions': {
      components: [
        {
          uuid: toolUuid,
          type: 'software',
          title: 'Driftwatch',
          description: 'Continuous PCI DSS compliance engine: network snapshots evaluated against a policy.',
          status: { state: 'operational' },
        },
      ],
      ...(inventory.length > 0 ? { 'inventory-items': inventory } : {}),
    },
    'reviewed-controls': {
      description: `The requirements the rules of ${evaluation.policy.name} ${evaluation.policy.version} evidence.`,
      'control-selections': [
        requirements.length > 0
          ? {
              description: 'Requirements checked by this evaluation',
              'include-controls': controlIds.map((id) => ({ 'control-id': id })),
              remarks: requirements.map((r) => `${controlId(r)}: ${r}`).join('\n'),
            }
          : { description: 'The policy names no requirement', 'include-all': {} },
      ],
      ...(requirements.length > 0
        ? {
            'control-objective-selections': [
              { 'include-objectives': controlIds.map((id) => ({ 'objective-id': id })) },
            ],
          }
        : {}),
    },
    ...(observations.length > 0 ? { observations } : {}),
    ...(oscalFindings.length > 0 ? { findings: oscalFindings } : {}),
  };

  return {
    'assessment-results': {
      uuid: uuidV5(`assessment-results:${evaluation.id}`),
      metadata: {
        title: `Driftwatch assessment results: ${evaluation.scope.name}, ${evaluatedAt}`,
        'last-modified': evaluatedAt,
        version: stringValue(evaluation.policy.version) || 'unversioned',
        'oscal-version': OSCAL_VERSION,
        props: props([['evaluation-id', evaluation.id]]),
      },
      'import-ap': {
        href: `urn:driftwatch:assessment-plan:${encodeURIComponent(evaluation.scope.id)}`,
        remarks:
          'Driftwatch keeps no OSCAL assessment plan: the plan is the scope (its targets and schedule) ' +
          'and the policy version named in the results. The href is a URN naming that scope, not a resolvable document.',
      },
      results: [result],
    },
  };
}

/**
 * An OSCAL token (an XML NCName: a letter or `_`, then letters, digits, `.`, `-`, `_`) naming a
 * requirement: "PCI DSS v4.0.1 2.2.7" becomes "PCI_DSS_v4.0.1_2.2.7".
 */
export function controlId(requirement: string): string {
  const token = requirement
    .trim()
    .replace(/\s+/g, '_')
    .replace(/[^\p{L}\p{N}._-]/gu, '-');
  if (token === '') return 'req-unnamed';
  return /^[\p{L}_]/u.test(token) ? token : `req-${token}`;
}

/** OSCAL's string datatype: non-empty, no leading/trailing whitespace, one line. */
function stringValue(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function props(entries: [name: string, value: string | undefined][]): OscalProperty[] | undefined {
  const out: OscalProperty[] = [];
  for (const [name, raw] of entries) {
    const value = raw === undefined ? '' : stringValue(raw);
    if (value !== '') out.push({ name, ns: DRIFTWATCH_OSCAL_NS, value });
  }
  return out.length > 0 ? out : undefined;
}

function isoInstant(value: string, field: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new TypeError(`oscalAssessmentResults: ${field} is not a date: ${value}`);
  return new Date(time).toISOString();
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort(byCodeUnits);
}

/** One finding per fingerprint, ordered by rule, asset, subject, fingerprint: input order never shows. */
function uniqueSorted(findings: readonly OscalFindingInput[]): OscalFindingInput[] {
  const byFingerprint = new Map<string, OscalFindingInput>();
  for (const f of findings) if (!byFingerprint.has(f.fingerprint)) byFingerprint.set(f.fingerprint, f);
  return [...byFingerprint.values()].sort(
    (a, b) =>
      byCodeUnits(a.ruleId, b.ruleId) ||
      byCodeUnits(a.asset, b.asset) ||
      byCodeUnits(a.subject, b.subject) ||
      byCodeUnits(a.fingerprint, b.fingerprint),
  );
}

/** Consecutive runs of equal keys (the input is sorted by key). */
function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups: T[][] = [];
  let current: string | undefined;
  for (const item of items) {
    const k = key(item);
    if (groups.length === 0 || k !== current) groups.push([item]);
    else groups[groups.length - 1].push(item);
    current = k;
  }
  return groups;
}

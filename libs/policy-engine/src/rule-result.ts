import type { RuleResult } from '@driftwatch/core';
import type { HostObservation, PortObservation } from '@driftwatch/core';
import type { ConditionRule, PolicyRule, PreparedEvaluation, Subject } from './policy.model';
import type { ValidateFunction } from 'ajv';
import { conditionEvidence } from './evidence';
import { renderMessage } from './render-message';

/** Placeholders a message may use: the subject's members, and `detail` for relational rules. */
export const MESSAGE_ROOTS = [
  'kind',
  'address',
  'host',
  'port',
  'portKey',
  'tls',
  'ssh',
  'http',
  'change',
  'document',
  'scope',
  'zone',
  'vantageZone',
  'asset',
  'role',
  'approvedPorts',
  'now',
  'timeSources',
  'detail',
] as const;

/** What on the asset a result is about; with the rule and the asset, the finding's identity. */
export function subjectIdentity(subject: Subject): string {
  switch (subject.kind) {
    case 'host':
      return 'host';
    case 'change':
      return `change:${subject.change?.type ?? 'unknown'}${subject.portKey ? `:${subject.portKey}` : ''}`;
    case 'config':
      // The running and the saved (startup) configuration of one kind are two subjects, and so are
      // `json` documents of two schemas.
      return [
        'config',
        subject.document?.kind ?? 'unknown',
        ...(subject.document?.schema ? [subject.document.schema] : []),
        ...(subject.document?.tag ? [subject.document.tag] : []),
      ].join(':');
    case 'service':
    case 'tls':
    case 'ssh':
    case 'http':
      return subject.portKey ?? 'host';
  }
}

/**
 * The result of a condition rule failing for a subject. Evidence (failing facts and the nmap
 * fragment) is most of a result's cost and is built when first read: callers that need only
 * verdicts and messages (text output, a pass/fail gate, counts) never pay for it; storing
 * findings reads it. Until then a result holds what rebuilds its subject (kind, host, port) rather
 * than a copy of it, nor ajv's errors: validating the rebuilt subject again gives them, since
 * evaluation is pure. A class, so that tens of thousands of results share one shape and one
 * `evidence` accessor; `toJSON` keeps the evidence in serialised results.
 */
/** What judged a result: its rule (whose subject kind it was) and its `expect`, reporting every failing fact. */
export interface JudgedBy {
  readonly rule: ConditionRule;
  readonly explain: () => ValidateFunction;
}

// Evidence once built (or set), kept beside the result rather than in a slot each result carries.
const EVIDENCE = new WeakMap<ConditionResult, Record<string, unknown>>();

class ConditionResult implements RuleResult {
  readonly ruleId: string;
  readonly title: string;
  readonly requirements: string[];
  readonly severity: RuleResult['severity'];
  readonly asset: string;
  readonly subject: string;
  readonly port: number | undefined;
  readonly protocol: string | undefined;
  readonly message: string;
  readonly remediation: string | undefined;
  /** The rule's subject kind and its `expect`, for evidence. */
  readonly #judged: JudgedBy;
  readonly #host: HostObservation | undefined;
  readonly #port: PortObservation | undefined;
  /** The subject itself when it is not reused, else the evaluation that rebuilds it. */
  readonly #source: Subject | PreparedEvaluation;

  constructor(judged: JudgedBy, message: string, subject: Subject, prepared: PreparedEvaluation) {
    const port = subject.port;
    const rule = judged.rule;
    this.ruleId = rule.id;
    this.title = rule.title;
    this.requirements = rule.requirements;
    this.severity = rule.severity;
    this.asset = subject.address;
    this.subject = subjectIdentity(subject);
    this.port = port?.port;
    this.protocol = port?.protocol;
    this.message = message;
    this.remediation = rule.remediation;
    this.#judged = judged;
    this.#host = subject.host;
    this.#port = port;
    // Host and port subjects come through one reused object: rebuild them rather than keep it.
    this.#source =
      subject.kind !== 'change' && subject.kind !== 'config' && subject.host ? prepared : subject;
  }

  get evidence(): Record<string, unknown> {
    let evidence = EVIDENCE.get(this);
    if (evidence === undefined) {
      const source = this.#source;
      const { rule, explain } = this.#judged;
      const expect = explain();
      const subject =
        'subjectAt' in source
          ? source.subjectAt(rule.subject, this.#host as HostObservation, this.#port)
          : source;
      evidence = conditionEvidence(subject, expect(subject) ? null : expect.errors);
      EVIDENCE.set(this, evidence);
    }
    return evidence;
  }

  set evidence(value: Record<string, unknown>) {
    EVIDENCE.set(this, value);
  }

  /** The plain result, evidence included; members that do not apply are left out. */
  toJSON(): RuleResult {
    const plain: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) if (value !== undefined) plain[key] = value;
    plain['evidence'] = this.evidence;
    return plain as unknown as RuleResult;
  }
}

/** The result of a condition rule's `expect` failing for `subject`, judged in `prepared`. */
export function lazyConditionResult(
  judged: JudgedBy,
  message: string,
  subject: Subject,
  prepared: PreparedEvaluation,
): RuleResult {
  return new ConditionResult(judged, message, subject, prepared);
}

/** The finding-shaped result of a rule failing for a subject. */
export function ruleResult(
  rule: PolicyRule,
  subject: Subject,
  evidence: Record<string, unknown>,
  options: { identity?: string; detail?: Record<string, unknown> } = {},
): RuleResult {
  const port = subject.port ?? portOfChange(subject);
  return {
    ruleId: rule.id,
    title: rule.title,
    requirements: [...rule.requirements],
    severity: rule.severity,
    asset: subject.address,
    subject: options.identity ?? subjectIdentity(subject),
    ...(port ? { port: port.port, protocol: port.protocol } : {}),
    message: renderMessage(rule.message, options.detail ? { ...subject, detail: options.detail } : subject),
    ...(rule.remediation === undefined ? {} : { remediation: rule.remediation }),
    evidence,
  };
}

function portOfChange(subject: Subject): { port: number; protocol: string } | undefined {
  const change = subject.change;
  return change && 'port' in change ? { port: change.port, protocol: change.protocol } : undefined;
}

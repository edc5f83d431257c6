import type { RuleResult } from '@driftwatch/core';
import type { PolicyRule, Subject } from './policy.model';
import type { ErrorObject } from 'ajv';
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
      return `config:${subject.document?.kind ?? 'unknown'}`;
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
 * findings reads it. A class, so that tens of thousands of results share one shape and one
 * `evidence` accessor; `toJSON` keeps the evidence in serialised results.
 */
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
  #evidence: Record<string, unknown> | undefined;
  readonly #of: Subject;
  readonly #errors: readonly ErrorObject[] | null | undefined;

  constructor(
    rule: PolicyRule,
    message: string,
    subject: Subject,
    errors: readonly ErrorObject[] | null | undefined,
  ) {
    const port = subject.port;
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
    this.#of = subject;
    this.#errors = errors;
  }

  get evidence(): Record<string, unknown> {
    return (this.#evidence ??= conditionEvidence(this.#of, this.#errors));
  }

  set evidence(value: Record<string, unknown>) {
    this.#evidence = value;
  }

  /** The plain result, evidence included; members that do not apply are left out. */
  toJSON(): RuleResult {
    const plain: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) if (value !== undefined) plain[key] = value;
    plain['evidence'] = this.evidence;
    return plain as unknown as RuleResult;
  }
}

/** The result of a condition rule failing for `subject`, which it keeps (pass a copy of a reused one). */
export function lazyConditionResult(
  rule: PolicyRule,
  render: (subject: object) => string,
  subject: Subject,
  errors: readonly ErrorObject[] | null | undefined,
): RuleResult {
  return new ConditionResult(rule, render(subject), subject, errors);
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

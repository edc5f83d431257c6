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
 * findings reads it.
 */
export function lazyConditionResult(
  rule: PolicyRule,
  render: (subject: object) => string,
  subject: Subject,
  errors: readonly ErrorObject[] | null | undefined,
): RuleResult {
  const port = subject.port;
  const result = {
    ruleId: rule.id,
    title: rule.title,
    requirements: rule.requirements,
    severity: rule.severity,
    asset: subject.address,
    subject: subjectIdentity(subject),
    ...(port ? { port: port.port, protocol: port.protocol } : {}),
    message: render(subject),
    ...(rule.remediation === undefined ? {} : { remediation: rule.remediation }),
  } as RuleResult;
  let evidence: Record<string, unknown> | undefined;
  Object.defineProperty(result, 'evidence', {
    enumerable: true,
    configurable: true,
    get: () => (evidence ??= conditionEvidence(subject, errors)),
    set: (value: Record<string, unknown>) => {
      evidence = value;
    },
  });
  return result;
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

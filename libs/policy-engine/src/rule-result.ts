import type { RuleResult } from '@driftwatch/core';
import type { PolicyRule, PortSubject } from './policy.model';
import { renderMessage } from './render-message';

/** The finding-shaped result of a rule failing for a port subject. */
export function portRuleResult(rule: PolicyRule, subject: PortSubject): RuleResult {
  const { port } = subject;
  return {
    ruleId: rule.id,
    title: rule.title,
    requirements: [...rule.requirements],
    severity: rule.severity,
    asset: subject.address,
    subject: `${port.protocol}/${port.port}`,
    message: renderMessage(rule.message, subject),
    ...(rule.remediation === undefined ? {} : { remediation: rule.remediation }),
    evidence: portEvidence(subject),
  };
}

function portEvidence({ address, port }: PortSubject): Record<string, unknown> {
  const service = port.service;
  return withoutUndefined({
    address,
    protocol: port.protocol,
    port: port.port,
    state: port.state,
    reason: port.reason,
    service: service
      ? withoutUndefined({
          name: service.name,
          product: service.product,
          version: service.version,
          extraInfo: service.extraInfo,
          tunnel: service.tunnel,
        })
      : undefined,
  });
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

import { addressWithinNetworks, parseNetwork, type RuleResult } from '@driftwatch/core';
import { CHANGE_TYPES } from '@driftwatch/drift';
import { type ApprovedChange, portKeySet } from '../policy-context';
import type { PreparedEvaluation, RelationalRule, Subject } from '../policy.model';
import { conditionEvidence } from '../evidence';
import { ruleResult } from '../rule-result';

export interface ApprovedChangeParams {
  /** The change types that need an approved change reference. */
  types: string[];
  /** Only changes that expose something: a host appearing, a port opening, a service changing on an open port. */
  onlyOpening?: boolean;
}

export const APPROVED_CHANGE_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['types'],
  properties: {
    types: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...CHANGE_TYPES] } },
    onlyOpening: { type: 'boolean' },
  },
} as const;

/** 1.2.2: every detected change in scope must match an approved change (targets, ports, types, window). */
export function approvedChangeRule(rule: RelationalRule): (prepared: PreparedEvaluation) => RuleResult[] {
  const params = rule.params as unknown as ApprovedChangeParams;
  const types = new Set(params.types);
  return (prepared) => {
    const approvals = prepared.context.approvedChanges.map(compileApproval);
    // A service change exposes something only on a port that is open now.
    const openNow = new Set(prepared.subjectsOf('service').map((s) => `${s.address} ${s.portKey ?? ''}`));
    const defaultTime = prepared.input.snapshot.takenAt ?? prepared.now;
    const results: RuleResult[] = [];
    for (const subject of prepared.subjectsOf('change')) {
      const change = subject.change;
      if (!change || !types.has(change.type)) continue;
      if (params.onlyOpening && !opens(subject, openNow)) continue;
      const at = Date.parse(change.detectedAt ?? defaultTime);
      if (approvals.some((approve) => approve(subject, at))) continue;
      const detail = { type: change.type, detectedAt: change.detectedAt ?? defaultTime };
      results.push(
        ruleResult(
          rule,
          subject,
          { ...conditionEvidence(subject, []), approval: 'none matches' },
          { detail },
        ),
      );
    }
    return results;
  };
}

function compileApproval(approval: ApprovedChange): (subject: Subject, at: number) => boolean {
  const targets = approval.targets.map(parseNetwork);
  const ports = approval.ports ? portKeySet(approval.ports) : undefined;
  const from = approval.validFrom ? Date.parse(approval.validFrom) : -Infinity;
  const until = approval.validUntil ? Date.parse(approval.validUntil) : Infinity;
  return (subject, at) =>
    at >= from &&
    at <= until &&
    (!approval.types || approval.types.includes(subject.change?.type ?? '')) &&
    (!ports || (subject.portKey !== undefined && ports.has(subject.portKey))) &&
    addressWithinNetworks(subject.address, targets);
}

function opens(subject: Subject, openNow: ReadonlySet<string>): boolean {
  const change = subject.change;
  if (!change) return false;
  if (change.type === 'host-appeared') return true;
  if (change.type === 'service-changed') return openNow.has(`${subject.address} ${subject.portKey ?? ''}`);
  if (change.type === 'port-added' || change.type === 'port-state-changed')
    return change.after.state === 'open';
  return false;
}

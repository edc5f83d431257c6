import { addressWithinNetworks, parseNetwork, type RuleResult } from '@driftwatch/core';
import { canonicalAddress } from '../policy-context';
import type { PreparedEvaluation, RelationalRule, Subject } from '../policy.model';
import { conditionEvidence } from '../evidence';
import { ruleResult } from '../rule-result';

export interface InventoryParams {
  /** undeclared: a discovered host not in the inventory; unseen: a declared host not seen for `days`. */
  check: 'undeclared' | 'unseen';
  days?: number;
}

export const INVENTORY_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['check'],
  properties: {
    check: { enum: ['undeclared', 'unseen'] },
    days: { type: 'integer', minimum: 1, maximum: 3650 },
  },
  if: { required: ['check'], properties: { check: { const: 'unseen' } } },
  then: { required: ['days'] },
} as const;

const DAY_MS = 86_400_000;

/**
 * Declared versus discovered. With no inventory declared there is nothing to reconcile and the
 * rule reports nothing (an empty inventory would otherwise flag every host of every scope).
 */
export function inventoryRule(rule: RelationalRule): (prepared: PreparedEvaluation) => RuleResult[] {
  const params = rule.params as unknown as InventoryParams;
  return (prepared) => {
    const { inventory } = prepared.context;
    if (inventory.length === 0) return [];
    return params.check === 'undeclared'
      ? undeclared(rule, prepared)
      : unseen(rule, prepared, params.days ?? 30);
  };
}

function undeclared(rule: RelationalRule, prepared: PreparedEvaluation): RuleResult[] {
  const results: RuleResult[] = [];
  for (const subject of prepared.subjectsOf('host')) {
    if (subject.host?.status !== 'up' || subject.asset) continue;
    results.push(ruleResult(rule, subject, conditionEvidence(subject, []), { identity: 'inventory' }));
  }
  return results;
}

function unseen(rule: RelationalRule, prepared: PreparedEvaluation, days: number): RuleResult[] {
  const { snapshot } = prepared.input;
  const targets = snapshot.scope.targets?.map(parseNetwork);
  const up = new Set(
    prepared
      .subjectsOf('host')
      .filter((s) => s.host?.status === 'up')
      .map((s) => s.address),
  );
  const nowMs = Date.parse(prepared.now);
  const results: RuleResult[] = [];
  for (const asset of prepared.context.inventory) {
    if (asset.inScope === false || up.has(canonicalAddress(asset.address) ?? asset.address)) continue;
    if (targets && !addressWithinNetworks(asset.address, targets)) continue;
    const since = asset.lastSeenAt ?? asset.declaredAt;
    if (since !== undefined && nowMs - Date.parse(since) <= days * DAY_MS) continue;
    const place = prepared.placement(asset.address);
    const subject: Subject = {
      kind: 'host',
      address: asset.address,
      scope: snapshot.scope,
      ...(place.zone ? { zone: place.zone } : {}),
      asset,
      ...(place.role ? { role: place.role } : {}),
      approvedPorts: [],
      now: prepared.now,
    };
    const detail = { days, lastSeenAt: asset.lastSeenAt ?? 'never' };
    results.push(
      ruleResult(
        rule,
        subject,
        { address: asset.address, asset, inventory: detail },
        { identity: 'inventory', detail },
      ),
    );
  }
  return results;
}

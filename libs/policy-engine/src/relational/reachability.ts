import type { RuleResult } from '@driftwatch/core';
import { portKeySet } from '../policy-context';
import type { PreparedEvaluation, RelationalRule } from '../policy.model';
import { conditionEvidence } from '../evidence';
import { ruleResult } from '../rule-result';
import {
  CLASSIFICATION_SCHEMA,
  ZONE_SELECTOR_SCHEMA,
  type ZoneSelector,
  zoneSelected,
} from './zone-selector';

export interface ReachabilityParams {
  /** The vantage zones (where the scan ran from) this rule judges. */
  from: ZoneSelector;
  /** The target zones (and assets) this rule judges. */
  to: ZoneSelector;
  /** flows: the context's flow matrix says what may answer; nothing: no port may answer. */
  allow: 'flows' | 'nothing';
  /** Judge targets in the vantage's own zone too (default false: intra-zone traffic is not segmentation). */
  sameZone?: boolean;
}

export const REACHABILITY_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to', 'allow'],
  properties: {
    from: { $ref: '#/definitions/selector' },
    to: { $ref: '#/definitions/selector' },
    allow: { enum: ['flows', 'nothing'] },
    sameZone: { type: 'boolean' },
  },
  definitions: { selector: ZONE_SELECTOR_SCHEMA, classification: CLASSIFICATION_SCHEMA },
} as const;

/**
 * Segmentation as observed: from the scan's vantage zone, every open port on a host of a
 * selected target zone must be allowed by the flow matrix (or, with allow: nothing, none may
 * answer). Hosts outside every declared zone are left to the inventory rules.
 */
export function reachabilityRule(rule: RelationalRule): (prepared: PreparedEvaluation) => RuleResult[] {
  const params = rule.params as unknown as ReachabilityParams;
  return (prepared) => {
    const { context } = prepared;
    const vantage = context.zones.find((z) => z.name === prepared.input.snapshot.scope.vantage);
    if (!vantage) return [];
    const from = { name: vantage.name, classification: vantage.classification };
    if (!zoneSelected({ ...params.from, storesCardData: undefined }, from)) return [];
    const allowedTo = new Map<string, Set<string>>();
    if (params.allow === 'flows') {
      for (const flow of context.flows) {
        if (flow.from !== vantage.name) continue;
        const keys = allowedTo.get(flow.to) ?? new Set<string>();
        for (const key of portKeySet(flow.ports)) keys.add(key);
        allowedTo.set(flow.to, keys);
      }
    }
    const results: RuleResult[] = [];
    for (const subject of prepared.subjectsOf('service')) {
      const zone = subject.zone;
      if (!zone || (zone.name === vantage.name && !params.sameZone)) continue;
      if (!zoneSelected(params.to, zone, subject.asset)) continue;
      const allowed = allowedTo.get(zone.name);
      if (subject.portKey && allowed?.has(subject.portKey)) continue;
      const detail = { from: vantage.name, to: zone.name, allowed: [...(allowed ?? [])].sort() };
      results.push(
        ruleResult(rule, subject, { ...conditionEvidence(subject, []), reachability: detail }, { detail }),
      );
    }
    return results;
  };
}

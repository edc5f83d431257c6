import { canonicalJson, type RuleResult } from '@driftwatch/core';

import { conditionEvidence } from '../evidence';
import type { PreparedEvaluation, RelationalRule, Subject } from '../policy.model';
import { ruleResult } from '../rule-result';

export interface ConfigPairParams {
  /** The document kinds whose running and saved (startup) configurations must agree. */
  kinds: string[];
  /**
   * JSON pointers of facts left out of the comparison, with everything below them; a `*` segment
   * stands for any one key or index. For facts derived from the others (a firewall's `/summary`,
   * the `effective` settings of each sshd Match block), which documents parsed by different
   * Driftwatch versions may derive differently while their configurations are the same.
   */
  ignore?: string[];
}

export const CONFIG_PAIR_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['kinds'],
  properties: {
    kinds: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    ignore: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^(/[^/]+)+$' } },
  },
} as const;

// Evidence names the first few differing facts; the stored documents hold the rest.
const MAX_LISTED = 10;

/**
 * 1.2.8: an asset's running configuration equals the one saved for its next start. For every
 * asset and kind with documents tagged both `running` and `startup`, the two documents' facts
 * are compared (facts, not text: counters and comments do not count); any difference is a finding
 * on the running document.
 */
export function configPairRule(rule: RelationalRule): (prepared: PreparedEvaluation) => RuleResult[] {
  const params = rule.params as unknown as ConfigPairParams;
  const kinds = new Set(params.kinds);
  const ignored = (params.ignore ?? []).map((pointer) => pointer.split('/').slice(1));
  const compared = (path: string) => {
    const segments = path.split('/').slice(1);
    return !ignored.some(
      (pattern) =>
        pattern.length <= segments.length && pattern.every((p, i) => p === '*' || p === segments[i]),
    );
  };
  return (prepared) => {
    const pairs = new Map<string, { running?: Subject; startup?: Subject }>();
    for (const subject of prepared.subjectsOf('config')) {
      const document = subject.document;
      if (!document?.tag || !kinds.has(document.kind)) continue;
      const key = `${document.asset}\u0000${document.kind}\u0000${document.schema ?? ''}`;
      const pair = pairs.get(key) ?? {};
      pair[document.tag] = subject;
      pairs.set(key, pair);
    }
    const results: RuleResult[] = [];
    for (const { running, startup } of pairs.values()) {
      if (!running?.document || !startup?.document) continue;
      const differences = differingPaths(running.document.facts, startup.document.facts).filter(compared);
      if (differences.length === 0) continue;
      const detail = {
        kind: running.document.kind,
        differences: differences.length,
        paths: differences.slice(0, MAX_LISTED),
        runningCollectedAt: running.document.collectedAt ?? 'unknown',
        startupCollectedAt: startup.document.collectedAt ?? 'unknown',
      };
      results.push(ruleResult(rule, running, { ...conditionEvidence(running, []), ...detail }, { detail }));
    }
    return results;
  };
}

/** JSON pointers of the leaves that differ between two fact objects, in order. */
function differingPaths(a: unknown, b: unknown, pointer = '', out: string[] = []): string[] {
  const objects =
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    Array.isArray(a) === Array.isArray(b);
  if (!objects) {
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) out.push(pointer || '/');
    return out;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    differingPaths(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      out,
    );
  }
  return out;
}

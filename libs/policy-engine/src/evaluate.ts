import type { RuleResult } from '@driftwatch/core';
import { sortResults } from './order';
import type { CompiledPolicy, Evaluation, EvaluationInput } from './policy.model';
import { prepareEvaluation } from './prepare-evaluation';

/**
 * Runs a compiled policy over one snapshot, its changes and context, at `now`. Pure and
 * deterministic: no I/O, no clock; results come in a stable order whatever the input order,
 * and the evaluation names the policy version it was judged against.
 */
export function evaluate(policy: CompiledPolicy, input: EvaluationInput): Evaluation {
  const prepared = prepareEvaluation(input);
  const results: RuleResult[] = [];
  // Each kind's subjects are visited once, every condition rule of that kind judging each.
  for (const [kind, conditions] of policy.conditions) {
    prepared.forEachSubject(kind, (subject) => {
      for (const { selects, expect, result } of conditions) {
        if (selects(subject) && !expect(subject)) results.push(result(subject, expect.errors));
      }
    });
  }
  for (const compiled of policy.rules) {
    if (compiled.kind !== 'condition') for (const result of compiled.run(prepared)) results.push(result);
  }
  sortResults(results);
  return {
    policy: policy.name,
    policyVersion: policy.version,
    evaluatedAt: prepared.now,
    results,
  };
}

import type { RuleResult } from '@driftwatch/core';
import { compareResults } from './order';
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
  for (const rule of policy.rules) {
    for (const result of rule.run(prepared)) results.push(result);
  }
  results.sort(compareResults);
  return {
    policy: policy.name,
    policyVersion: policy.version,
    evaluatedAt: prepared.now,
    results,
  };
}

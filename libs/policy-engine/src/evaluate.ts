import { DriftwatchError, type RuleResult } from '@driftwatch/core';
import type { CompiledPolicy, EvaluationInput } from './policy.model';
import { portSubjects } from './port-subjects';
import { portRuleResult } from './rule-result';

/**
 * Runs a compiled policy over one snapshot. Pure and deterministic: results come ordered by
 * address, port, protocol and rule id whatever the order of the input.
 */
export function evaluate(policy: CompiledPolicy, input: EvaluationInput): RuleResult[] {
  checkScope(input.scope);
  const results: RuleResult[] = [];
  for (const subject of portSubjects(input)) {
    // policy.rules is sorted by id at compile time.
    for (const { rule, matches } of policy.rules) {
      if (rule.subject === 'port' && matches(subject)) results.push(portRuleResult(rule, subject));
    }
  }
  return results;
}

// A $data reference to a missing or malformed list makes ajv skip or fail the comparison,
// which would silently flip rule 1.2.5: refuse such input instead.
function checkScope(scope: EvaluationInput['scope']): void {
  const ports: unknown = scope.approvedPorts;
  if (!Array.isArray(ports) || !ports.every((p) => Number.isInteger(p))) {
    throw DriftwatchError.validation([
      { field: 'scope.approvedPorts', reason: 'must be an array of port numbers' },
    ]);
  }
}

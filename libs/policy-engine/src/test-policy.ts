import { errorChain } from '@driftwatch/core';
import { fixtureInput } from './fixture-input';
import { parsePolicyContext } from './policy-context';
import type { CompiledPolicy, CompiledRule } from './policy.model';
import { prepareEvaluation } from './prepare-evaluation';
import { ruleError } from './rule-locations';

export interface FixtureOutcome {
  ruleId: string;
  source: string;
  expectation: 'fail' | 'pass';
  index: number;
  description?: string;
  ok: boolean;
  /** Findings the rule produced for this fixture. */
  findings: number;
  /** Why the fixture did not behave, or could not be evaluated. */
  problem?: string;
}

/**
 * Runs every rule's fixtures (as `opa test` runs a policy's tests): each must-fail fixture must
 * give the rule at least one finding, each must-pass fixture none.
 */
export function testPolicy(policy: CompiledPolicy): FixtureOutcome[] {
  const outcomes: FixtureOutcome[] = [];
  for (const compiled of policy.rules) {
    for (const expectation of ['fail', 'pass'] as const) {
      compiled.rule.fixtures[expectation].forEach((fixture, index) => {
        outcomes.push(runFixture(compiled, expectation, index, fixture));
      });
    }
  }
  return outcomes;
}

/** Throws, naming the file, line and fixture, at the first fixture that does not behave. */
export function assertFixtures(policy: CompiledPolicy): void {
  const failed = testPolicy(policy).find((o) => !o.ok);
  if (!failed) return;
  const rule = policy.rules.find((r) => r.rule.id === failed.ruleId)?.rule;
  if (rule)
    throw ruleError(
      rule,
      `/fixtures/${failed.expectation}/${failed.index}`,
      failed.problem ?? 'fixture failed',
    );
}

function runFixture(
  compiled: CompiledRule,
  expectation: 'fail' | 'pass',
  index: number,
  fixture: unknown,
): FixtureOutcome {
  const description = (fixture as { description?: unknown }).description;
  const base = {
    ruleId: compiled.rule.id,
    source: compiled.rule.source,
    expectation,
    index,
    ...(typeof description === 'string' ? { description } : {}),
  };
  try {
    const input = fixtureInput(fixture);
    if (input.context)
      input.context = parsePolicyContext(input.context, `fixtures.${expectation}[${index}].context`);
    const findings = compiled.run(prepareEvaluation(input)).length;
    const ok = expectation === 'fail' ? findings > 0 : findings === 0;
    const problem = ok
      ? undefined
      : expectation === 'fail'
        ? `${expectation} fixture ${index} passes: the rule reports nothing for it`
        : `${expectation} fixture ${index} fails: the rule reports ${findings} finding(s) for it`;
    return { ...base, ok, findings, ...(problem ? { problem } : {}) };
  } catch (error: unknown) {
    return {
      ...base,
      ok: false,
      findings: 0,
      problem: `${expectation} fixture ${index} cannot be evaluated: ${errorChain(error)}`,
    };
  }
}

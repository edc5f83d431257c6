import { errorChain } from '@driftwatch/core';
import { fixtureInput } from './fixture-input';
import { parsePolicyContext } from './policy-context';
import type { CompiledPolicy, CompiledRule, EvaluationInput } from './policy.model';
import { addressOf, prepareEvaluation } from './prepare-evaluation';
import { unjudgedFindings } from './unjudged';
import { ruleError } from './rule-locations';

export interface FixtureOutcome {
  ruleId: string;
  source: string;
  expectation: Expectation;
  index: number;
  description?: string;
  ok: boolean;
  /** Findings the rule produced for this fixture. */
  findings: number;
  /** Why the fixture did not behave, or could not be evaluated. */
  problem?: string;
}

type Expectation = 'fail' | 'pass' | 'unjudged';

/**
 * Runs every rule's fixtures (as `opa test` runs a policy's tests): each must-fail fixture must
 * give the rule at least one finding, each must-pass fixture none, and each must-stay-unjudged
 * fixture none while an open finding of the rule on one of its open ports would stay open.
 */
export function testPolicy(policy: CompiledPolicy): FixtureOutcome[] {
  const outcomes: FixtureOutcome[] = [];
  for (const compiled of policy.rules) {
    for (const expectation of ['fail', 'pass', 'unjudged'] as const) {
      (compiled.rule.fixtures[expectation] ?? []).forEach((fixture, index) => {
        outcomes.push(runFixture(policy, compiled, expectation, index, fixture));
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
  policy: CompiledPolicy,
  compiled: CompiledRule,
  expectation: Expectation,
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
    const problem = fixtureProblem(expectation, index, findings, () =>
      unjudgedPorts(policy, compiled.rule.id, input),
    );
    return { ...base, ok: problem === undefined, findings, ...(problem ? { problem } : {}) };
  } catch (error: unknown) {
    return {
      ...base,
      ok: false,
      findings: 0,
      problem: `${expectation} fixture ${index} cannot be evaluated: ${errorChain(error)}`,
    };
  }
}

function fixtureProblem(
  expectation: Expectation,
  index: number,
  findings: number,
  unjudged: () => number,
): string | undefined {
  const name = `${expectation} fixture ${index}`;
  if (expectation === 'fail')
    return findings > 0 ? undefined : `${name} passes: the rule reports nothing for it`;
  if (findings > 0) return `${name} fails: the rule reports ${findings} finding(s) for it`;
  if (expectation === 'unjudged' && unjudged() === 0)
    return `${name} is judged: an open finding of the rule on its open ports would resolve`;
  return undefined;
}

/** How many open ports of the fixture the rule could not judge, as if each had an open finding. */
function unjudgedPorts(policy: CompiledPolicy, ruleId: string, input: EvaluationInput): number {
  const refs = input.snapshot.hosts.flatMap((host) =>
    host.ports
      .filter((p) => p.state === 'open')
      .map((p) => ({ ruleId, asset: addressOf(host), subject: `${p.protocol}/${p.port}` })),
  );
  return unjudgedFindings(policy, input, refs).length;
}

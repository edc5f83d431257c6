import { contentHash } from '@driftwatch/core';
import type { CompiledPolicy, CompiledRule, PolicyPack, PolicyRule } from './policy.model';
import { createConditionCompiler, type Matcher } from './condition-compiler';
import { fixtureSubject } from './fixture-subject';
import { compareText } from './port-subjects';
import { templateProblem } from './render-message';
import { copyLocator, ruleError } from './rule-locations';
import { ruleShapeViolation } from './rule-shape';

const PORT_SUBJECT_ROOTS = ['address', 'host', 'port', 'scope'] as const;

/**
 * Checks and compiles every rule of a pack once; the result is evaluated many times.
 * Rules built in code get the same checks as rules read from files.
 */
export function compilePolicy(pack: PolicyPack): CompiledPolicy {
  const compileCondition = createConditionCompiler();
  const firstById = new Map<string, PolicyRule>();
  const compiled: CompiledRule[] = [];
  for (const rule of pack.rules) {
    checkShape(rule);
    const first = firstById.get(rule.id);
    if (first) {
      throw ruleError(rule, '/id', `duplicate rule id "${rule.id}", also defined in ${first.source}`);
    }
    firstById.set(rule.id, rule);
    // Compile a private copy so later changes to the caller's objects cannot drift from `version`.
    const own = deepFreeze(structuredClone(rule));
    copyLocator(rule, own);
    const matches = compileCondition(own);
    checkFixtures(rule, matches);
    compiled.push(Object.freeze({ rule: own, matches }));
  }
  compiled.sort((a, b) => compareText(a.rule.id, b.rule.id));
  return Object.freeze({
    name: pack.name,
    version: policyVersion(compiled.map((c) => c.rule)),
    ruleCount: compiled.length,
    rules: Object.freeze(compiled),
  });
}

/** Identity of a pack's content: file names and order do not matter, any rule change does. */
export function policyVersion(rules: readonly PolicyRule[]): string {
  const content = [...rules]
    .sort((a, b) => compareText(a.id, b.id))
    .map(({ source: _source, ...rest }) => rest);
  return contentHash(content);
}

function checkShape(rule: PolicyRule): void {
  const { source: _source, ...document } = rule;
  const violation = ruleShapeViolation(document);
  if (violation) throw ruleError(rule, violation.pointer, violation.reason);
  const problem = templateProblem(rule.message, PORT_SUBJECT_ROOTS);
  if (problem) throw ruleError(rule, '/message', problem);
}

function checkFixtures(rule: PolicyRule, matches: Matcher): void {
  rule.fixtures.fail.forEach((fixture, index) => {
    if (!matches(fixtureSubject(fixture))) {
      throw ruleError(
        rule,
        `/fixtures/fail/${index}`,
        `fail fixture ${index} passes: the condition does not match it`,
      );
    }
  });
  rule.fixtures.pass.forEach((fixture, index) => {
    if (matches(fixtureSubject(fixture))) {
      throw ruleError(
        rule,
        `/fixtures/pass/${index}`,
        `pass fixture ${index} fails: the condition matches it`,
      );
    }
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

import type { PolicyRule } from './policy.model';
import type { Locate } from './source-locator';
import { PolicyError } from './policy-error';

// Rules parsed from text remember how to turn a pointer into a line, so errors found later at
// compile time can still point into the file. Weak keys: nothing is kept alive by this.
const locators = new WeakMap<PolicyRule, Locate>();

export function rememberLocator(rule: PolicyRule, locate: Locate): void {
  locators.set(rule, locate);
}

/** Lets a copy of a rule (e.g. the frozen one a compiled policy keeps) report positions too. */
export function copyLocator(from: PolicyRule, to: PolicyRule): void {
  const locate = locators.get(from);
  if (locate) locators.set(to, locate);
}

export function ruleError(rule: PolicyRule, pointer: string, reason: string, cause?: unknown): PolicyError {
  const position = locators.get(rule)?.(pointer);
  return new PolicyError(
    {
      file: rule.source,
      pointer,
      reason,
      ...(typeof rule.id === 'string' ? { ruleId: rule.id } : {}),
      ...position,
    },
    cause === undefined ? undefined : { cause },
  );
}

import Ajv, { type ValidateFunction } from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types';
import addFormats from 'ajv-formats';
import { addCustomKeywords } from './keywords/custom-keywords';
import type { ConditionRule, Subject } from './policy.model';
import { ruleError } from './rule-locations';
import { safeRegExp } from './safe-regexp';
import { guardFunction, type WhereGuard, whereGuards } from './where-guard';

export interface CompiledConditionParts {
  readonly selects: (subject: Subject) => boolean;
  readonly expect: ValidateFunction;
  /** `expect` without its per-call allocation (see withContext). */
  readonly holds: (subject: Subject) => boolean;
  /** Necessary conditions `selects` checks first (where-guard.ts). */
  readonly guards: readonly WhereGuard[];
  /**
   * `expect` compiled to report every failing fact (ajv's allErrors), for evidence: compiled on
   * first use, since only a failing subject's evidence reads it, and evaluation never does.
   */
  readonly explain: () => ValidateFunction;
  /** `evidence` (true when the rule has none); the kind's fact is checked by the caller. */
  readonly hasEvidence: (subject: Subject) => boolean;
}

/**
 * One ajv instance per pack compilation. Strict mode turns typos (unknown keywords, `properties`
 * without `type: object`) into compile errors instead of conditions that silently never match;
 * $data lets a condition compare against context such as the approved ports.
 */
export function createConditionCompiler(): (rule: ConditionRule) => CompiledConditionParts {
  const ajvFor = (messages: boolean, allErrors = false): Ajv => {
    // Patterns with nested unbounded quantifiers are refused (safe-regexp.ts).
    const ajv = new Ajv({ allErrors, strict: true, $data: true, messages, code: { regExp: safeRegExp } });
    addFormats(ajv);
    addCustomKeywords(ajv);
    return ajv;
  };
  // `where` only selects: its errors are never read, so ajv need not word them.
  // Evidence names every failing fact (each weak cipher, not the first): a validator that goes on
  // after the first error, slower, so never the one evaluation calls.
  const compilers = {
    where: ajvFor(false),
    expect: ajvFor(true),
    evidence: ajvFor(false),
    explain: ajvFor(true, true),
  };
  const compile = (
    rule: ConditionRule,
    member: 'where' | 'expect' | 'evidence',
    schema: object | boolean,
  ): ValidateFunction => {
    if (typeof schema === 'object' && '$async' in schema)
      throw ruleError(rule, `/${member}/$async`, 'asynchronous conditions are not supported');
    // `where` is compiled as `not: where`: inside `not` ajv builds no error objects (only empty
    // placeholders), so a subject the guards let through but `where` turns away costs little.
    const compiled = member === 'where' ? { not: schema } : schema;
    try {
      return compilers[member].compile(compiled);
    } catch (error: unknown) {
      throw ruleError(
        rule,
        `/${member}`,
        `invalid condition schema: ${reasonFor(member, schema, error)}`,
        error,
      );
    }
  };
  // Reworded from the schema as written, so a path never shows the `not` wrapper.
  const reasonFor = (
    member: 'where' | 'expect' | 'evidence',
    schema: object | boolean,
    error: unknown,
  ): string => {
    if (member === 'where') {
      try {
        compilers.where.compile(schema);
      } catch (plain: unknown) {
        return plain instanceof Error ? plain.message : String(plain);
      }
    }
    return error instanceof Error ? error.message : String(error);
  };
  return (rule) => {
    const unselected = rule.where === undefined ? undefined : compile(rule, 'where', rule.where);
    const expect = compile(rule, 'expect', rule.expect);
    // Most subjects fail a selector on one value (the service name): a guard on it spares ajv.
    const guards = rule.where === undefined ? [] : whereGuards(rule.where);
    const guard = guardFunction(guards);
    const notSelected = unselected && withContext(unselected);
    let selects: (subject: Subject) => boolean = () => true;
    if (notSelected && guard) selects = (subject) => guard(subject) && !notSelected(subject);
    else if (notSelected) selects = (subject) => !notSelected(subject);
    // `expect: false` (no selected subject may exist) holds for none: no need to ask ajv, whose
    // error objects for it would be thrown away (evidence validates again when it is read).
    const holds = rule.expect === false ? () => false : withContext(expect);
    let explained: ValidateFunction | undefined;
    const explain = () => (explained ??= compilers.explain.compile(rule.expect));
    // Read only for findings about to resolve (unjudged.ts), never in the evaluation walk.
    const hasEvidence =
      rule.evidence === undefined ? () => true : withContext(compile(rule, 'evidence', rule.evidence));
    return Object.freeze({ selects, expect, holds, guards, explain, hasEvidence });
  };
}

/**
 * Calls a validator with a context object refilled per call: called with the data alone, an ajv
 * validator allocates its default context every time, and a snapshot walk makes a million calls.
 * Validation is synchronous, so one object per validator is never in use twice at once.
 */
function withContext(validate: ValidateFunction): (subject: Subject) => boolean {
  const context = { instancePath: '', rootData: undefined as unknown };
  return (subject) => {
    context.rootData = subject;
    return validate(subject, context as unknown as DataValidationCxt);
  };
}

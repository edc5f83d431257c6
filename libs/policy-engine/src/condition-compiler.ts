import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { addCustomKeywords } from './keywords/custom-keywords';
import type { ConditionRule, Subject } from './policy.model';
import { ruleError } from './rule-locations';
import { guardFunction, whereGuards } from './where-guard';

export interface CompiledConditionParts {
  readonly selects: (subject: Subject) => boolean;
  readonly expect: ValidateFunction;
}

/**
 * One ajv instance per pack compilation. Strict mode turns typos (unknown keywords, `properties`
 * without `type: object`) into compile errors instead of conditions that silently never match;
 * $data lets a condition compare against context such as the approved ports.
 */
export function createConditionCompiler(): (rule: ConditionRule) => CompiledConditionParts {
  const ajvFor = (messages: boolean): Ajv => {
    const ajv = new Ajv({ allErrors: false, strict: true, $data: true, messages });
    addFormats(ajv);
    addCustomKeywords(ajv);
    return ajv;
  };
  // `where` only selects: its errors are never read, so ajv need not word them.
  const compilers = { where: ajvFor(false), expect: ajvFor(true) };
  const compile = (
    rule: ConditionRule,
    member: 'where' | 'expect',
    schema: object | boolean,
  ): ValidateFunction => {
    if (typeof schema === 'object' && '$async' in schema)
      throw ruleError(rule, `/${member}/$async`, 'asynchronous conditions are not supported');
    // `where` is compiled as `not: where`: ajv evaluates `not` without building error objects,
    // so the many subjects a rule does not select cost no allocation.
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
  const reasonFor = (member: 'where' | 'expect', schema: object | boolean, error: unknown): string => {
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
    const guard = rule.where === undefined ? undefined : guardFunction(whereGuards(rule.where));
    let selects: (subject: Subject) => boolean = () => true;
    if (unselected && guard) selects = (subject) => guard(subject) && unselected(subject) === false;
    else if (unselected) selects = (subject) => unselected(subject) === false;
    return Object.freeze({ selects, expect });
  };
}

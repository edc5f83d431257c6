import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { addCustomKeywords } from './keywords/custom-keywords';
import type { ConditionRule, Subject } from './policy.model';
import { ruleError } from './rule-locations';

export interface CompiledCondition {
  /** True when the rule judges the subject. */
  readonly selects: (subject: Subject) => boolean;
  /** Validates the subject against `expect`; on false its `errors` name the failing facts. */
  readonly expect: ValidateFunction;
}

/**
 * One ajv instance per pack compilation. Strict mode turns typos (unknown keywords, `properties`
 * without `type: object`) into compile errors instead of conditions that silently never match;
 * $data lets a condition compare against context such as the approved ports.
 */
export function createConditionCompiler(): (rule: ConditionRule) => CompiledCondition {
  const ajv = new Ajv({ allErrors: false, strict: true, $data: true });
  addFormats(ajv);
  addCustomKeywords(ajv);
  const compile = (
    rule: ConditionRule,
    member: 'where' | 'expect',
    schema: object | boolean,
  ): ValidateFunction => {
    if (typeof schema === 'object' && '$async' in schema)
      throw ruleError(rule, `/${member}/$async`, 'asynchronous conditions are not supported');
    try {
      return ajv.compile(schema);
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      throw ruleError(rule, `/${member}`, `invalid condition schema: ${reason}`, error);
    }
  };
  return (rule) => {
    const where = rule.where === undefined ? undefined : compile(rule, 'where', rule.where);
    const expect = compile(rule, 'expect', rule.expect);
    return Object.freeze({
      selects: where ? (subject: Subject) => where(subject) === true : () => true,
      expect,
    });
  };
}

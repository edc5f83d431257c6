import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { PolicyRule, PortSubject } from './policy.model';
import { ruleError } from './rule-locations';

export type Matcher = (subject: PortSubject) => boolean;

/**
 * One ajv instance per pack compilation. Strict mode turns typos (unknown keywords, `properties`
 * without `type: object`) into compile errors instead of conditions that silently never match;
 * $data lets a condition compare against scope data such as the approved ports.
 */
export function createConditionCompiler(): (rule: PolicyRule) => Matcher {
  const ajv = new Ajv({ allErrors: false, strict: true, $data: true });
  addFormats(ajv);
  return (rule) => {
    if ('$async' in rule.when)
      throw ruleError(rule, '/when/$async', 'asynchronous conditions are not supported');
    let validate;
    try {
      validate = ajv.compile(rule.when);
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      throw ruleError(rule, '/when', `invalid condition schema: ${reason}`, error);
    }
    return (subject) => validate(subject) === true;
  };
}

import Ajv, { type ValidateFunction } from 'ajv';
import type { RuleResult } from '@driftwatch/core';
import type { PreparedEvaluation, RelationalKind, RelationalRule } from '../policy.model';
import { ruleError } from '../rule-locations';
import { APPROVED_CHANGE_PARAMS_SCHEMA, approvedChangeRule } from './approved-change';
import { CONFIG_PAIR_PARAMS_SCHEMA, configPairRule } from './config-pair';
import { COVERAGE_PARAMS_SCHEMA, coverageRule } from './coverage';
import { FIREWALL_EXPOSURE_PARAMS_SCHEMA, firewallExposureRule } from './firewall-exposure';
import { INVENTORY_PARAMS_SCHEMA, inventoryRule } from './inventory';
import { REACHABILITY_PARAMS_SCHEMA, reachabilityRule } from './reachability';

type Factory = (rule: RelationalRule) => (prepared: PreparedEvaluation) => RuleResult[];

const KINDS: Record<RelationalKind, { schema: object; factory: Factory }> = {
  reachability: { schema: REACHABILITY_PARAMS_SCHEMA, factory: reachabilityRule },
  inventory: { schema: INVENTORY_PARAMS_SCHEMA, factory: inventoryRule },
  'approved-change': { schema: APPROVED_CHANGE_PARAMS_SCHEMA, factory: approvedChangeRule },
  coverage: { schema: COVERAGE_PARAMS_SCHEMA, factory: coverageRule },
  'config-pair': { schema: CONFIG_PAIR_PARAMS_SCHEMA, factory: configPairRule },
  'firewall-exposure': { schema: FIREWALL_EXPOSURE_PARAMS_SCHEMA, factory: firewallExposureRule },
};

let validators: Map<RelationalKind, ValidateFunction> | undefined;

function paramsValidator(kind: RelationalKind): ValidateFunction {
  if (!validators) {
    // strictRequired off: `then: { required: [days] }` names a property declared beside the `if`.
    const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false });
    validators = new Map(
      Object.entries(KINDS).map(([k, { schema }]) => [k as RelationalKind, ajv.compile(schema)]),
    );
  }
  const validate = validators.get(kind);
  if (!validate) throw new Error(`no parameter schema for rule kind ${kind}`);
  return validate;
}

/** Checks a relational rule's params against its kind's schema and returns its evaluator. */
export function compileRelationalRule(rule: RelationalRule): (prepared: PreparedEvaluation) => RuleResult[] {
  const validate = paramsValidator(rule.kind);
  if (!validate(rule.params)) {
    const error = validate.errors?.[0];
    const params = (error?.params ?? {}) as {
      additionalProperty?: string;
      missingProperty?: string;
      allowedValues?: unknown[];
    };
    const member = params.additionalProperty ?? params.missingProperty;
    const pointer = `/params${error?.instancePath ?? ''}${member === undefined ? '' : `/${member}`}`;
    let reason = error?.message ?? 'is invalid';
    if (params.additionalProperty !== undefined)
      reason = `unknown ${rule.kind} parameter "${params.additionalProperty}"`;
    if (params.allowedValues)
      reason = `${reason}: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    throw ruleError(rule, pointer, reason);
  }
  return KINDS[rule.kind].factory(rule);
}

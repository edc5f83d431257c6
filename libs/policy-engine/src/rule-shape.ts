import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { RULE_FILE_SCHEMA } from './rule-file-schema';

let validator: ValidateFunction | undefined;

// Compiled on first use and shared: the rule-file schema is a constant of the library.
function ruleFileValidator(): ValidateFunction {
  if (!validator) {
    // `where`/`expect`/`evidence` are an object or a boolean schema: a deliberate union type.
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    validator = ajv.compile(RULE_FILE_SCHEMA);
  }
  return validator;
}

export interface ShapeViolation {
  pointer: string;
  reason: string;
}

/** Checks a rule document (without `source`) against the rule-file schema; first violation or undefined. */
export function ruleShapeViolation(document: unknown): ShapeViolation | undefined {
  const validate = ruleFileValidator();
  if (validate(document)) return kindViolation(document as Record<string, unknown>);
  const error = validate.errors?.[0];
  return error ? describe(error) : { pointer: '', reason: 'does not match the rule schema' };
}

const CONDITION_MEMBERS = ['subject', 'where', 'expect', 'evidence'] as const;

// Kept out of the JSON Schema: `if`/`not` there would report "must NOT be valid", not this.
function kindViolation(rule: Record<string, unknown>): ShapeViolation | undefined {
  const kind = typeof rule.kind === 'string' ? rule.kind : 'condition';
  if (kind === 'condition') {
    for (const member of ['subject', 'expect']) {
      if (!(member in rule))
        return { pointer: `/${member}`, reason: `must have required property '${member}'` };
    }
    if ('params' in rule)
      return {
        pointer: '/params',
        reason: 'only relational rules (reachability, inventory, approved-change, coverage) take params',
      };
    return undefined;
  }
  if (!('params' in rule)) return { pointer: '/params', reason: `a ${kind} rule needs params` };
  const stray = CONDITION_MEMBERS.find((member) => member in rule);
  return stray
    ? {
        pointer: `/${stray}`,
        reason: `a ${kind} rule has no ${stray}: it is implemented in code and takes params`,
      }
    : undefined;
}

function describe(error: ErrorObject): ShapeViolation {
  // Point at the offending member itself when ajv reports it on the parent object.
  const params = error.params as {
    missingProperty?: string;
    additionalProperty?: string;
    allowedValues?: unknown[];
  };
  const member = params.missingProperty ?? params.additionalProperty;
  const pointer = member === undefined ? error.instancePath : `${error.instancePath}/${escapeToken(member)}`;
  let reason = error.message ?? 'is invalid';
  if (params.additionalProperty !== undefined) reason = `unknown property "${params.additionalProperty}"`;
  if (params.allowedValues)
    reason = `${reason}: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return { pointer, reason };
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { RULE_FILE_SCHEMA } from './rule-file-schema';

let validator: ValidateFunction | undefined;

// Compiled on first use and shared: the rule-file schema is a constant of the library.
function ruleFileValidator(): ValidateFunction {
  validator ??= new Ajv({ allErrors: false, strict: true }).compile(RULE_FILE_SCHEMA);
  return validator;
}

export interface ShapeViolation {
  pointer: string;
  reason: string;
}

/** Checks a rule document (without `source`) against the rule-file schema; first violation or undefined. */
export function ruleShapeViolation(document: unknown): ShapeViolation | undefined {
  const validate = ruleFileValidator();
  if (validate(document)) return undefined;
  const error = validate.errors?.[0];
  return error ? describe(error) : { pointer: '', reason: 'does not match the rule schema' };
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

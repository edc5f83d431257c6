import ruleFileSchema from '@driftwatch/policies/schema/rule.schema.json';

/**
 * The rule-file schema: the published policies/schema/rule.schema.json (for editors and rule
 * authors), imported so bundled apps carry it and there is one copy to keep right.
 */
export const RULE_FILE_SCHEMA: Readonly<Record<string, unknown>> = ruleFileSchema;

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

import { canonicalJson, type FieldError } from '@driftwatch/core';

import type { ConfigChange } from './config-document.model';
import type { ConfigKindHandler } from './config-kind-handler';
import { ConfigParseError } from './config-parse-error';
import { jsonSyntaxErrorOffset } from './json-syntax';

/** A generic document's facts: the registered schema it satisfies and the document itself. */
export interface JsonDocumentFacts {
  schema: string;
  document: unknown;
}

// Schemas registered by users are data from outside: bounded so that one cannot exhaust the API.
export const MAX_SCHEMA_BYTES = 256 * 1024;
const SCHEMA_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

function newAjv(): Ajv {
  // strict: a typo in a user's schema ("requred") is refused when it is registered, not ignored.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

/**
 * Checks a JSON Schema a user registers for `json` documents: it must compile with ajv in strict
 * mode, stay self-contained (no remote `$ref`) and small. Returns the problems, none when sound.
 */
export function userSchemaProblems(name: string, schema: unknown): FieldError[] {
  const problems: FieldError[] = [];
  if (!SCHEMA_NAME.test(name))
    problems.push({ field: 'name', reason: 'must be 1-100 lowercase letters, digits, ".", "_" or "-"' });
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    problems.push({ field: 'schema', reason: 'must be a JSON Schema object' });
    return problems;
  }
  if (JSON.stringify(schema).length > MAX_SCHEMA_BYTES)
    problems.push({ field: 'schema', reason: `must be at most ${MAX_SCHEMA_BYTES} bytes` });
  const remote = findRemoteRef(schema);
  if (remote !== undefined)
    problems.push({ field: `schema${remote}`, reason: 'a $ref must point inside the schema ("#...")' });
  if (problems.length > 0) return problems;
  try {
    newAjv().compile(schema);
  } catch (error) {
    problems.push({ field: 'schema', reason: `is not a valid JSON Schema: ${(error as Error).message}` });
  }
  return problems;
}

function findRemoteRef(value: unknown, pointer = ''): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const here = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if ((key === '$ref' || key === '$dynamicRef') && typeof child === 'string' && !child.startsWith('#'))
      return here;
    const found = findRemoteRef(child, here);
    if (found !== undefined) return found;
  }
  return undefined;
}

const compiled = new Map<string, ValidateFunction>();

/**
 * The handler for `json` documents validated against the registered schema `name`. Registered
 * schemas are immutable, so a compiled validator is kept per name.
 */
export function jsonDocumentHandler(name: string, schema: object): ConfigKindHandler<JsonDocumentFacts> {
  return {
    kind: 'json',
    description: 'Any JSON document, validated against a JSON Schema registered under a name.',
    factsSchema: {
      type: 'object',
      required: ['schema', 'document'],
      additionalProperties: false,
      properties: { schema: { type: 'string' }, document: true },
    },
    parse(content: string): JsonDocumentFacts {
      let document: unknown;
      try {
        document = JSON.parse(content);
      } catch {
        throw new ConfigParseError('json', [{ ...jsonErrorLine(content), reason: 'is not valid JSON' }]);
      }
      let validate = compiled.get(name);
      if (!validate) {
        validate = newAjv().compile(schema);
        compiled.set(name, validate);
      }
      if (!validate(document)) {
        throw new ConfigParseError('json', (validate.errors ?? []).slice(0, 20).map(problemOf));
      }
      return { schema: name, document };
    },
    diff(before, after) {
      return diffJson(before.document, after.document);
    },
  };
}

function problemOf(error: ErrorObject): { pointer: string; reason: string } {
  const params = error.params as { additionalProperty?: string; missingProperty?: string };
  const extra = params.additionalProperty ?? params.missingProperty;
  return {
    pointer: error.instancePath,
    reason: `${error.message ?? 'is invalid'}${extra ? ` (${extra})` : ''}`,
  };
}

/** The line of a JSON syntax error (V8's message does not always give its position). */
function jsonErrorLine(content: string): { line?: number } {
  const offset = jsonSyntaxErrorOffset(content);
  return offset === undefined ? {} : { line: content.slice(0, offset).split('\n').length };
}

/** Changes between two JSON values, by JSON pointer of each changed leaf (arrays compared whole). */
export function diffJson(before: unknown, after: unknown): ConfigChange[] {
  const a = leaves(before);
  const b = leaves(after);
  const changes: ConfigChange[] = [];
  const shown = (v: unknown): string => canonicalJson(v);
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const from = a.get(path);
    const to = b.get(path);
    if (!a.has(path))
      changes.push({ type: 'setting-added', path, to, description: `${path || '/'} added: ${shown(to)}` });
    else if (!b.has(path))
      changes.push({
        type: 'setting-removed',
        path,
        from,
        description: `${path || '/'} removed (was ${shown(from)})`,
      });
    else if (shown(from) !== shown(to))
      changes.push({
        type: 'setting-changed',
        path,
        from,
        to,
        description: `${path || '/'} changed from ${shown(from)} to ${shown(to)}`,
      });
  }
  return changes;
}

function leaves(value: unknown, pointer = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value))
      leaves(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  } else out.set(pointer, value);
  return out;
}

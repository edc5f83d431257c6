import type Ajv from 'ajv';
import type { DataValidationCxt, SchemaValidateFunction } from 'ajv/dist/types';
import { addressWithinNetworks, type Network, parseNetwork } from '@driftwatch/core';
import { DATE_BOUND_PATTERN, parseDateUtc, resolveDateBound } from './relative-date';
import { compareVersions, parseVersion } from './version';

/**
 * Keywords JSON Schema lacks and PCI checks need. Each applies to strings only (other types pass
 * through, as `pattern` does), and text it cannot read satisfies it never, so a condition on
 * an unreadable version or date does not silently hold.
 */
export function addCustomKeywords(ajv: Ajv): void {
  addVersionKeyword(ajv, 'versionBelow', (order) => order < 0);
  addVersionKeyword(ajv, 'versionAtLeast', (order) => order >= 0);
  addDateKeyword(ajv, 'dateBefore', (value, bound) => value < bound);
  addDateKeyword(ajv, 'dateAfter', (value, bound) => value > bound);
  // enum compares with deep equality item by item; a list of strings needs only includes().
  ajv.addKeyword({
    keyword: 'memberOf',
    type: 'string',
    schemaType: 'array',
    $data: true,
    metaSchema: { type: 'array', items: { type: 'string' } },
    compile: (schema: string[]) => {
      const members = new Set(schema);
      const check: SchemaValidateFunction = (data: string) => members.has(data) || notAMember(check);
      return check;
    },
    validate: function memberOf(schema: unknown, data: string): boolean {
      return (
        (Array.isArray(schema) && schema.includes(data)) || notAMember(memberOf as SchemaValidateFunction)
      );
    },
    errors: true,
  });
  ajv.addKeyword({
    keyword: 'inNetworks',
    type: 'string',
    schemaType: 'array',
    $data: true,
    metaSchema: { type: 'array', items: { type: 'string', minLength: 2, maxLength: 64 } },
    compile: (schema: string[]) => {
      const networks = schema.map(parseNetworkOrThrow);
      return (data: string) => addressWithinNetworks(data, networks);
    },
    // $data form: the list comes from the subject (e.g. a zone's networks) at validation time.
    validate: (schema: unknown, data: string) =>
      Array.isArray(schema) && addressWithinNetworks(data, schema.flatMap(networkOrNothing)),
    errors: false,
  });
}

function notAMember(fn: SchemaValidateFunction): false {
  fn.errors = [{ keyword: 'memberOf', message: 'must be one of the listed values', params: {} }];
  return false;
}

function addVersionKeyword(ajv: Ajv, keyword: string, holds: (order: number) => boolean): void {
  ajv.addKeyword({
    keyword,
    type: 'string',
    schemaType: 'string',
    metaSchema: { type: 'string', pattern: '\\d' },
    compile: (schema: string) => {
      const bound = parseVersion(schema) ?? [];
      return (data: string) => {
        const version = parseVersion(data);
        return version !== undefined && holds(compareVersions(version, bound));
      };
    },
    errors: false,
  });
}

function addDateKeyword(ajv: Ajv, keyword: string, holds: (value: number, bound: number) => boolean): void {
  ajv.addKeyword({
    keyword,
    type: 'string',
    schemaType: 'string',
    metaSchema: { type: 'string', pattern: DATE_BOUND_PATTERN },
    // The bound moves with the evaluation time, read from the subject's `now` at its root.
    compile: (schema: string) => (data: string, cxt?: DataValidationCxt) => {
      const now = Date.parse(String((cxt?.rootData as { now?: unknown } | undefined)?.now));
      const bound = resolveDateBound(schema, now);
      const value = parseDateUtc(data);
      return bound !== undefined && !Number.isNaN(value) && !Number.isNaN(bound) && holds(value, bound);
    },
    errors: false,
  });
}

function parseNetworkOrThrow(text: string): Network {
  try {
    return parseNetwork(text);
  } catch (error: unknown) {
    throw new Error(`inNetworks: "${text}" is not an IP address or CIDR block`, { cause: error });
  }
}

function networkOrNothing(text: unknown): Network[] {
  try {
    return typeof text === 'string' ? [parseNetwork(text)] : [];
  } catch {
    return [];
  }
}

import { _, type KeywordCxt } from 'ajv';
import type Ajv from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types';
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
  // enum compares with deep equality item by item; a list of strings needs only a Set lookup.
  // Inline code rather than a function keyword: 1.2.5 judges every open port against a $data
  // list, and ajv calls a function keyword with a fresh context object (and, with a metaSchema,
  // re-validates the list) on every call. A static list is checked here, once.
  ajv.addKeyword({
    keyword: 'memberOf',
    type: 'string',
    schemaType: 'array',
    $data: true,
    error: { message: 'must be one of the listed values' },
    code: (cxt: KeywordCxt) => {
      const { gen, data, schemaCode } = cxt;
      if (cxt.$data) {
        const isMemberRef = gen.scopeValue('func', { ref: isMember });
        cxt.fail(_`!${isMemberRef}(${schemaCode}, ${data})`);
        return;
      }
      const list = cxt.schema as unknown[];
      const bad = list.findIndex((member) => typeof member !== 'string');
      if (bad >= 0) throw new Error(`memberOf/${bad} must be a string`);
      const members = gen.scopeValue('obj', { ref: new Set(list) });
      cxt.fail(_`!${members}.has(${data})`);
    },
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

// A $data list (the approved ports of a zone and role) is one shared array for many subjects:
// its set is cached, and the last one looked up is kept at hand (consecutive ports share it).
const MEMBER_SETS = new WeakMap<readonly unknown[], ReadonlySet<unknown>>();
let lastList: readonly unknown[] | undefined;
let lastMembers: ReadonlySet<unknown> = new Set();

// A $data reference that finds no list has no members: the value is not approved.
function isMember(list: unknown, value: string): boolean {
  if (list === lastList) return lastMembers.has(value);
  if (!Array.isArray(list)) return false;
  // Only a frozen list cannot change under its cached set; a mutable one is read afresh.
  if (!Object.isFrozen(list)) return list.includes(value);
  let members = MEMBER_SETS.get(list);
  if (!members) {
    members = new Set(list);
    MEMBER_SETS.set(list, members);
  }
  lastList = list;
  lastMembers = members;
  return members.has(value);
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

/**
 * A rule index for `where` selectors, in the spirit of OPA's rule indexing: from a selector's
 * JSON Schema, derive which values one path of the subject (e.g. port.service.name) can hold when
 * the selector matches. Checking that value against a set costs a few property reads; running the
 * ajv validator costs far more, and most subjects of a rule such as "web service without TLS" fail
 * its selector on the service name alone. The guard is a necessary condition only: a subject it
 * lets through is still judged by ajv, so a guard never changes a verdict (where-guard.spec.ts
 * checks that over the shipped pack and random subjects).
 *
 * The analysis is deliberately partial: for every keyword it does not understand it assumes
 * nothing (any value may match), so it can only lose pruning, never a match.
 */

/** The value a path of a subject gives: a string or number, or one of these two markers. */
export const MISSING: unique symbol = Symbol('missing');
export const OTHER: unique symbol = Symbol('other');
export type Probe = string | number | typeof MISSING | typeof OTHER;

/** Part of a value set over one domain: only the listed values, or all values except them. */
class Part<T> {
  static readonly ANY = new Part<never>(false, new Set());
  static readonly NONE = new Part<never>(true, new Set());

  constructor(
    readonly only: boolean,
    readonly values: ReadonlySet<T>,
  ) {}

  has(value: T): boolean {
    return this.values.has(value) === this.only;
  }

  get isAny(): boolean {
    return !this.only && this.values.size === 0;
  }

  union(other: Part<T>): Part<T> {
    if (this.only && other.only) return new Part(true, new Set([...this.values, ...other.values]));
    if (!this.only && !other.only)
      return new Part(false, new Set([...this.values].filter((v) => other.values.has(v))));
    const [only, except] = this.only ? [this, other] : [other, this];
    return new Part(false, new Set([...except.values].filter((v) => !only.values.has(v))));
  }

  intersect(other: Part<T>): Part<T> {
    return this.complement().union(other.complement()).complement();
  }

  complement(): Part<T> {
    return new Part(!this.only, this.values);
  }
}

/** A set of probe values. */
export class ValueSet {
  static readonly ALL = new ValueSet(Part.ANY, Part.ANY, true, true);
  static readonly NONE = new ValueSet(Part.NONE, Part.NONE, false, false);
  static readonly MISSING_ONLY = new ValueSet(Part.NONE, Part.NONE, true, false);
  static readonly PRESENT = new ValueSet(Part.ANY, Part.ANY, false, true);

  constructor(
    readonly strings: Part<string>,
    readonly numbers: Part<number>,
    readonly missing: boolean,
    readonly other: boolean,
  ) {}

  has(probe: Probe): boolean {
    if (typeof probe === 'string') return this.strings.has(probe);
    if (typeof probe === 'number') return this.numbers.has(probe);
    return probe === MISSING ? this.missing : this.other;
  }

  get isAll(): boolean {
    return this.strings.isAny && this.numbers.isAny && this.missing && this.other;
  }

  union(o: ValueSet): ValueSet {
    return new ValueSet(
      this.strings.union(o.strings),
      this.numbers.union(o.numbers),
      this.missing || o.missing,
      this.other || o.other,
    );
  }

  intersect(o: ValueSet): ValueSet {
    return new ValueSet(
      this.strings.intersect(o.strings),
      this.numbers.intersect(o.numbers),
      this.missing && o.missing,
      this.other && o.other,
    );
  }

  complement(): ValueSet {
    return new ValueSet(this.strings.complement(), this.numbers.complement(), !this.missing, !this.other);
  }

  withMissing(missing: boolean): ValueSet {
    return new ValueSet(this.strings, this.numbers, missing, this.other);
  }
}

/** The value at `path`, read as ajv reads it: a missing step or an `undefined` value is MISSING. */
export function probe(subject: unknown, path: readonly string[]): Probe {
  let value = subject;
  for (let i = 0; i < path.length; i += 1) {
    value = step(value, path[i]);
    if (value === undefined) return MISSING;
  }
  return leaf(value);
}

/**
 * `probe` for one fixed path, generated as code as ajv generates its validators: every read in it
 * is a load of one constant key with its own inline cache. A shared loop (or helper) over the
 * keys makes one megamorphic keyed load serve every path of every rule, and this read runs once
 * per port. Keys enter the code only as JSON string literals, so no path can inject code.
 */
export function prober(path: readonly string[]): (subject: unknown) => Probe {
  const steps = path
    .map((key) => {
      const literal = JSON.stringify(key);
      return (
        `v = v !== null && typeof v === 'object' && !Array.isArray(v) ? v[${literal}] : undefined;\n` +
        'if (v === undefined) return MISSING;\n'
      );
    })
    .join('');
  const body =
    `return function probe(v) {\n${steps}` +
    "return typeof v === 'string' || typeof v === 'number' ? v : v === undefined ? MISSING : OTHER;\n};";
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from JSON literals only
  const factory = new Function('MISSING', 'OTHER', body) as (
    missing: typeof MISSING,
    other: typeof OTHER,
  ) => (subject: unknown) => Probe;
  return factory(MISSING, OTHER);
}

function step(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function leaf(value: unknown): Probe {
  if (typeof value === 'string' || typeof value === 'number') return value;
  return value === undefined ? MISSING : OTHER;
}

export interface WhereGuard {
  readonly path: readonly string[];
  /** Reads the path's value from a subject (prober). */
  readonly read: (subject: unknown) => Probe;
  /** Values the path may hold in a subject the selector matches. */
  readonly values: ValueSet;
}

/**
 * Guards for a selector: for each path the schema compares with `enum` or `const`, the values it
 * admits there, when that is not everything. Empty when nothing prunes.
 */
export function whereGuards(where: unknown): WhereGuard[] {
  const guards: WhereGuard[] = [];
  for (const path of comparedPaths(where)) {
    const values = admitted(where, path);
    if (!values.isAll) guards.push({ path, read: prober(path), values });
  }
  return guards;
}

/** A function true when every guard admits the subject; undefined when there is no guard. */
export function guardFunction(guards: readonly WhereGuard[]): ((subject: unknown) => boolean) | undefined {
  if (guards.length === 0) return undefined;
  return (subject) => {
    for (let i = 0; i < guards.length; i += 1) {
      const { read, values } = guards[i];
      if (!values.has(read(subject))) return false;
    }
    return true;
  };
}

const MAX_DEPTH = 6;
const MAX_PATHS = 8;
const ANNOTATIONS = new Set([
  'title',
  'description',
  '$comment',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/** Property paths the schema tests with enum or const, through properties and the combinators. */
function comparedPaths(schema: unknown): string[][] {
  const found = new Map<string, string[]>();
  const visit = (node: unknown, path: string[]): void => {
    if (!isSchemaObject(node) || path.length > MAX_DEPTH) return;
    if (path.length > 0 && ('enum' in node || 'const' in node)) found.set(JSON.stringify(path), path);
    const properties = node['properties'];
    if (isSchemaObject(properties)) {
      for (const [key, sub] of Object.entries(properties)) visit(sub, [...path, key]);
    }
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      const branches = node[key];
      if (Array.isArray(branches)) for (const branch of branches) visit(branch, path);
    }
    visit(node['not'], path);
  };
  visit(schema, []);
  return [...found.values()].slice(0, MAX_PATHS);
}

/** Over-approximation: every probe value of `path` that some valid subject can give. */
export function admitted(schema: unknown, path: readonly string[]): ValueSet {
  return analyse(schema, path).over;
}

interface Bounds {
  /** Contains every probe value of a valid instance. */
  over: ValueSet;
  /** Every instance whose probe value is in it is valid. */
  under: ValueSet;
}

function analyse(schema: unknown, path: readonly string[]): Bounds {
  const bounds = analyseKeywords(schema, path);
  // At the end of the path the value exists: "missing" cannot occur there.
  if (path.length === 0) {
    bounds.over = bounds.over.withMissing(false);
    bounds.under = bounds.under.withMissing(true);
  }
  return bounds;
}

function analyseKeywords(schema: unknown, path: readonly string[]): Bounds {
  if (schema === true) return { over: ValueSet.ALL, under: ValueSet.ALL };
  if (schema === false) return { over: ValueSet.NONE, under: ValueSet.NONE };
  if (!isSchemaObject(schema)) return { over: ValueSet.ALL, under: ValueSet.NONE };
  const bounds = path.length === 0 ? atValue(schema) : atObject(schema, path);
  for (const [keyword, value] of Object.entries(schema)) {
    const combined = combinator(keyword, value, path);
    if (combined) {
      bounds.over = bounds.over.intersect(combined.over);
      bounds.under = bounds.under.intersect(combined.under);
    }
  }
  return bounds;
}

function combinator(keyword: string, value: unknown, path: readonly string[]): Bounds | undefined {
  const unknown = { over: ValueSet.ALL, under: ValueSet.NONE };
  // Every branch must hold (allOf): intersect; one may (anyOf, oneOf): unite. A oneOf match is
  // also exclusive, which this does not read: it guarantees nothing.
  const combine = (join: 'union' | 'intersect', start: ValueSet, guarantees: boolean): Bounds => {
    if (!Array.isArray(value)) return unknown;
    const all = value.map((branch) => analyse(branch, path));
    return {
      over: all.reduce((acc, b) => acc[join](b.over), start),
      under: guarantees ? all.reduce((acc, b) => acc[join](b.under), start) : ValueSet.NONE,
    };
  };
  switch (keyword) {
    case 'anyOf':
      return combine('union', ValueSet.NONE, true);
    case 'oneOf':
      return combine('union', ValueSet.NONE, false);
    case 'allOf':
      return combine('intersect', ValueSet.ALL, true);
    case 'not': {
      const inner = analyse(value, path);
      return { over: inner.under.complement(), under: inner.over.complement() };
    }
    default:
      return undefined;
  }
}

/** Keywords on the value at the end of the path (combinators aside). */
function atValue(schema: Record<string, unknown>): Bounds {
  let over = ValueSet.ALL;
  let under = ValueSet.ALL;
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword) || COMBINATORS.has(keyword)) continue;
    if (keyword === 'enum' || keyword === 'const') {
      const members = keyword === 'enum' ? value : [value];
      if (!Array.isArray(members) || isDataReference(value)) {
        under = ValueSet.NONE;
        continue;
      }
      over = over.intersect(membersOf(members, true));
      under = under.intersect(membersOf(members, false));
    } else if (keyword === 'type') {
      const types = typesOf(value);
      if (!types) {
        under = ValueSet.NONE;
        continue;
      }
      over = over.intersect(typeSet(types, true));
      under = under.intersect(typeSet(types, false));
    } else {
      under = ValueSet.NONE;
    }
  }
  return { over, under };
}

/** Keywords of a schema whose instance is an object on the way to the path's end. */
function atObject(schema: Record<string, unknown>, path: readonly string[]): Bounds {
  const [head, ...rest] = path as [string, ...string[]];
  const types = 'type' in schema ? typesOf(schema['type']) : undefined;
  const objectOnly = types !== undefined && types.length > 0 && types.every((t) => t === 'object');
  const required = Array.isArray(schema['required']) ? (schema['required'] as unknown[]) : [];
  const properties = isSchemaObject(schema['properties']) ? schema['properties'] : {};
  const sub = Object.prototype.hasOwnProperty.call(properties, head) ? properties[head] : true;
  const inner = analyse(sub, rest);

  // The probe is missing when the instance is no object or lacks the key (the subschema then does
  // not apply), or deeper down.
  let over = inner.over.union(objectOnly && required.includes(head) ? ValueSet.NONE : ValueSet.MISSING_ONLY);
  const missingGuaranteed = inner.under.missing && !('type' in schema) && !required.includes(head);
  let under = inner.under.withMissing(missingGuaranteed);

  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword) || COMBINATORS.has(keyword)) continue;
    switch (keyword) {
      case 'type':
        if (!types) under = ValueSet.NONE;
        else if (!types.includes('object')) {
          over = over.intersect(ValueSet.MISSING_ONLY);
          under = ValueSet.NONE;
        }
        break;
      case 'required':
        if (!Array.isArray(value) || value.some((key) => key !== head)) under = ValueSet.NONE;
        break;
      case 'properties':
        if (!isSchemaObject(value) || Object.entries(value).some(([k, s]) => k !== head && !isTrivial(s)))
          under = ValueSet.NONE;
        break;
      case 'enum':
      case 'const': {
        const members = keyword === 'enum' ? value : [value];
        // Only an object can lead on to the path: members that are none leave it missing.
        if (Array.isArray(members) && !isDataReference(value) && !members.some(isPlainObject))
          over = over.intersect(ValueSet.MISSING_ONLY);
        under = ValueSet.NONE;
        break;
      }
      default:
        under = ValueSet.NONE;
    }
  }
  return { over, under };
}

const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'not']);
const FINITE = new Part<number>(false, new Set([Number.NaN, Infinity, -Infinity]));

function membersOf(members: readonly unknown[], over: boolean): ValueSet {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  let other = false;
  for (const member of members) {
    if (typeof member === 'string') strings.add(member);
    // ajv compares numbers with ===: NaN equals nothing, so it guarantees nothing.
    else if (typeof member === 'number' && !Number.isNaN(member)) numbers.add(member);
    else if (typeof member !== 'number') other = true;
  }
  return new ValueSet(new Part(true, strings), new Part(true, numbers), false, over && other);
}

function typeSet(types: readonly string[], over: boolean): ValueSet {
  const strings = types.includes('string') ? Part.ANY : Part.NONE;
  // "integer" admits some numbers: all of them over-approximates it, none under-approximates it.
  // In strict mode (strictNumbers) "number" admits finite numbers only.
  let numbers: Part<number> = Part.NONE;
  if (over && (types.includes('number') || types.includes('integer'))) numbers = Part.ANY;
  else if (types.includes('number')) numbers = FINITE;
  const other = over && types.some((t) => ['object', 'array', 'boolean', 'null'].includes(t));
  return new ValueSet(strings, numbers, false, other);
}

function typesOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((t) => typeof t === 'string')) return value;
  return undefined;
}

function isTrivial(schema: unknown): boolean {
  return schema === true || (isSchemaObject(schema) && Object.keys(schema).every((k) => ANNOTATIONS.has(k)));
}

function isDataReference(value: unknown): boolean {
  return isPlainObject(value) && '$data' in value;
}

function isSchemaObject(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

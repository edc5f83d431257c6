/**
 * `JSON.stringify(value, null, 2)` in parts whose concatenation is exactly that text. Long
 * lists (more than `SPLIT_AT` items) near the top of the document, and every object and list
 * above one, are written one item or member at a time; everything else is one JSON.stringify.
 *
 * A large export (a snapshot's hosts, an evaluation's 100,000 findings, their OSCAL document)
 * can then be written without being one string, which V8 caps at 2^29 - 24 characters, and its
 * writer can yield between parts. Values follow JSON.stringify's rules: `toJSON` is called,
 * members that are undefined, functions or symbols are left out, and in lists they become null.
 */
export function* prettyJsonParts(value: unknown): Generator<string, void, undefined> {
  const top = jsonValue(value, '');
  if (!serializable(top)) throw new TypeError(`prettyJsonParts: ${typeof value} is not JSON`);
  yield* parts(top, 0);
}

/** Lists longer than this are written item by item. */
const SPLIT_AT = 64;
/** Below this depth every value is written whole: long lists sit near a document's top. */
const MAX_SPLIT_DEPTH = 5;

function* parts(value: unknown, depth: number): Generator<string, void, undefined> {
  const split = depth < MAX_SPLIT_DEPTH && holdsLongList(value, MAX_SPLIT_DEPTH - depth);
  if (split && Array.isArray(value)) {
    yield '[\n';
    for (let i = 0; i < value.length; i++) {
      const item = jsonValue(value[i], String(i));
      yield `${i === 0 ? '' : ',\n'}${pad(depth + 1)}`;
      if (serializable(item)) yield* parts(item, depth + 1);
      else yield 'null';
    }
    yield `\n${pad(depth)}]`;
    return;
  }
  if (split && isRecord(value)) {
    let first = true;
    yield '{';
    for (const key of Object.keys(value)) {
      const member = jsonValue(value[key], key);
      if (!serializable(member)) continue;
      yield `${first ? '\n' : ',\n'}${pad(depth + 1)}${JSON.stringify(key)}: `;
      first = false;
      yield* parts(member, depth + 1);
    }
    yield first ? '}' : `\n${pad(depth)}}`;
    return;
  }
  yield whole(value, depth);
}

/**
 * JSON.stringify(value, null, 2) as it reads `depth` levels down: the value is wrapped in that
 * many one-item lists, which indents it exactly, and the wrapping is cut off again (cheaper than
 * re-indenting its lines).
 */
function whole(value: unknown, depth: number): string {
  if (depth === 0) return JSON.stringify(value, null, 2);
  let wrapped: unknown = value;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  return text.slice(wrapperHead(depth).length, text.length - wrapperTail(depth).length);
}

const heads: string[] = [''];
const tails: string[] = [''];
function wrapperHead(depth: number): string {
  while (heads.length <= depth) heads.push(`${heads.at(-1)!}${pad(heads.length - 1)}[\n`);
  return heads[depth] + pad(depth);
}
function wrapperTail(depth: number): string {
  while (tails.length <= depth) tails.push(`\n${pad(tails.length - 1)}]${tails.at(-1)!}`);
  return tails[depth];
}

const pad = (depth: number): string => '  '.repeat(depth);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` is, or holds within `levels` levels, a list longer than SPLIT_AT. */
function holdsLongList(value: unknown, levels: number): boolean {
  if (levels <= 0 || typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    if (value.length > SPLIT_AT) return true;
    return value.some((item) => holdsLongList(item, levels - 1));
  }
  return Object.values(value).some((member) => holdsLongList(member, levels - 1));
}

/** What JSON.stringify writes for a value under `key`: the result of its toJSON, if it has one. */
function jsonValue(value: unknown, key: string): unknown {
  if (
    typeof value === 'object' &&
    value !== null &&
    'toJSON' in value &&
    typeof value.toJSON === 'function'
  ) {
    return (value.toJSON as (key: string) => unknown)(key);
  }
  return value;
}

/** JSON.stringify leaves these out of objects and writes null for them in lists. */
function serializable(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

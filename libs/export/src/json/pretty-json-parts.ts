/**
 * `${JSON.stringify({ ...fields, [key]: items }, null, 2)}\n` in parts whose concatenation is
 * exactly that text: the fields and the opening of the list, one part per item, then the end.
 * A document with a large list (a snapshot's hosts) can thus be written without being one
 * string, which V8 caps at about 512 MiB. `key` is written last and must not be in `fields`.
 */
export function* prettyJsonParts(
  fields: Readonly<Record<string, unknown>>,
  key: string,
  items: readonly unknown[],
): Generator<string, void, undefined> {
  if (Object.hasOwn(fields, key)) throw new TypeError(`prettyJsonParts: "${key}" is already a field`);
  const head = JSON.stringify({ ...fields, [key]: [] }, null, 2);
  if (items.length === 0) {
    yield `${head}\n`;
    return;
  }
  // JSON.stringify writes the empty list last as `[]`, then the closing brace.
  yield `${head.slice(0, -'[]\n}'.length)}[\n`;
  for (let i = 0; i < items.length; i++) {
    // Items sit two levels deep, as in a one-item list under one key: stringify that, cut the
    // wrapper off, and the item comes out already indented (faster than re-indenting its lines).
    const wrapped = JSON.stringify({ [key]: [items[i]] }, null, 2);
    yield `${i === 0 ? '' : ',\n'}${wrapped.slice(wrapperHead(key).length, -WRAPPER_TAIL.length)}`;
  }
  yield '\n  ]\n}\n';
}

const WRAPPER_TAIL = '\n  ]\n}';
const wrapperHead = (key: string): string => `{\n  ${JSON.stringify(key)}: [\n`;

/** `${JSON.stringify(items, null, 2)}\n` in parts whose concatenation is exactly that text: one per item. */
export function* prettyJsonArrayParts(items: readonly unknown[]): Generator<string, void, undefined> {
  if (items.length === 0) {
    yield '[]\n';
    return;
  }
  yield '[\n';
  for (let i = 0; i < items.length; i++) {
    // As a one-item list, the item comes out indented by two spaces: cut off "[\n" and "\n]".
    const wrapped = JSON.stringify([items[i]], null, 2);
    yield `${i === 0 ? '' : ',\n'}${wrapped.slice(2, -2)}`;
  }
  yield '\n]\n';
}

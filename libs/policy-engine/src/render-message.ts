/** A {{dot.path}} placeholder; the path starts at the subject's top level. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}/g;
const MISSING = 'unknown';

/** Placeholder problems in a template (stray braces, unknown roots), or undefined when it is sound. */
export function templateProblem(template: string, roots: readonly string[]): string | undefined {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const root = (match[1] ?? '').split('.')[0] ?? '';
    if (!roots.includes(root))
      return `placeholder {{${match[1]}}} must start with one of: ${roots.join(', ')}`;
  }
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}'))
    return 'has a "{{" or "}}" that is not a {{dot.path}} placeholder';
  return undefined;
}

/** Substitutes placeholders with the subject's values; a missing or non-text value reads "unknown". */
export function renderMessage(template: string, subject: object): string {
  return compileMessage(template)(subject);
}

/** Splits a template once into text and readers of its paths; the result renders many subjects. */
export function compileMessage(template: string): (subject: object) => string {
  const texts: string[] = [];
  const readers: ((value: unknown) => unknown)[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    texts.push(template.slice(last, match.index));
    readers.push(ownPathReader((match[1] ?? '').split('.')));
    last = (match.index ?? 0) + match[0].length;
  }
  texts.push(template.slice(last));
  // One parts array per template, refilled on each call: join makes one flat string, where +=
  // would leave a tree of string pieces behind every message a result keeps.
  const parts: string[] = [...texts.flatMap((text) => [text, ''])].slice(0, -1);
  return (subject) => {
    for (let i = 0; i < readers.length; i += 1) {
      const value = readers[i](subject);
      parts[2 * i + 1] = typeof value === 'string' && value !== '' ? value : formatValue(value);
    }
    return parts.join('');
  };
}

/**
 * ownValueAt for one fixed path, unrolled for the usual depths: each read sees one key, so it
 * stays fast when tens of thousands of messages are rendered.
 */
function ownPathReader(path: readonly string[]): (value: unknown) => unknown {
  const [a = '', b = '', c = ''] = path;
  switch (path.length) {
    case 1:
      return (value) => own(value, a);
    case 2:
      return (value) => own(own(value, a), b);
    case 3:
      return (value) => own(own(own(value, a), b), c);
    default:
      return (value) => ownValueAt(value, path);
  }
}

function own(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** The value at a path of own properties (never a prototype member such as "constructor"). */
export function ownValueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (
      current === null ||
      typeof current !== 'object' ||
      !Object.prototype.hasOwnProperty.call(current, key)
    ) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return value === '' ? MISSING : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // An empty list is known to be empty: "none", not "unknown".
  if (Array.isArray(value) && value.length === 0) return 'none';
  return Array.isArray(value) && value.every(isTextOrNumber) ? value.join(', ') : MISSING;
}

function isTextOrNumber(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number';
}

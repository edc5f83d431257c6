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

/** Splits a template once into text and paths; the result renders many subjects. */
export function compileMessage(template: string): (subject: object) => string {
  const texts: string[] = [];
  const paths: string[][] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    texts.push(template.slice(last, match.index));
    paths.push((match[1] ?? '').split('.'));
    last = (match.index ?? 0) + match[0].length;
  }
  texts.push(template.slice(last));
  return (subject) => {
    let out = texts[0] ?? '';
    for (let i = 0; i < paths.length; i += 1)
      out += formatValue(ownValueAt(subject, paths[i] ?? [])) + (texts[i + 1] ?? '');
    return out;
  };
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
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => ['string', 'number'].includes(typeof v))
  ) {
    return value.join(', ');
  }
  return MISSING;
}

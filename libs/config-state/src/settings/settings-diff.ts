import type { ConfigChange } from '../config-document.model';

export interface DiffSettingsOptions {
  /**
   * How the document spells a key, for descriptions (`PasswordAuthentication` for the normalised
   * key `passwordauthentication`). Keys without an entry are shown as they are.
   */
  names?: Readonly<Record<string, string>>;
}

/**
 * Setting drift between two flat settings maps: one change per key added, removed or whose value
 * differs. Values compare as values (arrays element by element, in order, because the order of
 * ciphers or sources is a preference), and changes come out sorted by key so two runs over the
 * same documents report the same list. `path` is the key itself, stable across spellings.
 */
export function diffSettings(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  options: DiffSettingsOptions = {},
): ConfigChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareKeys);
  const changes: ConfigChange[] = [];
  for (const key of keys) {
    const name = (options.names && Object.hasOwn(options.names, key) ? options.names[key] : undefined) ?? key;
    const had = Object.hasOwn(before, key) && before[key] !== undefined;
    const has = Object.hasOwn(after, key) && after[key] !== undefined;
    if (had && has) {
      if (canonical(before[key]) === canonical(after[key])) continue;
      changes.push({
        type: 'setting-changed',
        path: key,
        from: before[key],
        to: after[key],
        description: `${name} changed from ${render(before[key])} to ${render(after[key])}`,
      });
    } else if (has) {
      changes.push({
        type: 'setting-added',
        path: key,
        to: after[key],
        description: `${name} added: ${render(after[key])}`,
      });
    } else if (had) {
      changes.push({
        type: 'setting-removed',
        path: key,
        from: before[key],
        description: `${name} removed (was ${render(before[key])})`,
      });
    }
  }
  return changes;
}

/** Code-unit order, not locale order: the same on every machine. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON with object keys sorted, so equal values compare equal whatever order they were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => compareKeys(a, b)))
      : v,
  );
}

/** How a value reads in a description: lists comma-joined as the formats write them. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '(empty)' : value;
  if (Array.isArray(value)) return value.map(render).join(',');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return canonical(value);
}

import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, `undefined` members dropped, no whitespace.
 * Two values that mean the same serialise to the same bytes, so their sha256 is a stable identity.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') {
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: unsupported value of type ${typeof value}`);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/**
 * `contentHash` of a list, fed one item at a time: the same sha256 as `contentHash(items)`, but
 * without the whole list's canonical JSON as one string. That string is what a large snapshot
 * cannot afford: it can pass V8's maximum string length, and building it holds the thread.
 */
export class ListContentHash {
  private readonly hash = createHash('sha256').update('[', 'utf8');
  private count = 0;

  add(item: unknown): this {
    this.hash.update(
      `${this.count++ === 0 ? '' : ','}${item === undefined ? 'null' : canonicalJson(item)}`,
      'utf8',
    );
    return this;
  }

  /** The hash of the items added so far; the builder is spent afterwards. */
  digest(): string {
    return this.hash.update(']', 'utf8').digest('hex');
  }
}

import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';

import { maskPanLike } from '@driftwatch/config-state';
import { DriftwatchError, type FieldError } from '@driftwatch/core';

/**
 * A lone UTF-16 surrogate: with the u flag a well-formed pair is one code point, so only an
 * unpaired half is in category Cs. JSON.stringify writes it as an escape ("\ud800") that
 * PostgreSQL's json and jsonb refuse, and it is no character text can carry.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** Keys that address an object's prototype: never data, refused wherever they appear. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor']);

/**
 * Refuses, in every parameter, query and body, with a 400 naming the field:
 * - a NUL character (U+0000) in a string or key: PostgreSQL text cannot hold one, so it would
 *   fail in the database as a 500;
 * - a lone UTF-16 surrogate in a string or key (a `\ud800` escape in JSON): not text, and a 500
 *   where it reached jsonb (the audit trail's details);
 * - a `__proto__` or `constructor` key: class-transformer silently drops them, so whitelisting
 *   would not name them; a client sending one is refused, not half-understood.
 * Runs before the ValidationPipe.
 */
export class UnsafeInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problem = unsafeAt(value, metadata.data ?? '');
    if (problem) {
      // Keys come from the client: a card number there is masked.
      throw DriftwatchError.validation([
        { field: maskPanLike(problem.field || metadata.type), reason: problem.reason },
      ]);
    }
    return value;
  }
}

/** The first unsafe string or key, walked without recursion. */
function unsafeAt(root: unknown, rootPath: string): FieldError | undefined {
  const nul = 'must not contain a NUL character';
  const surrogate = 'must be well-formed Unicode: it holds a lone UTF-16 surrogate';
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field: path, reason: nul };
      if (LONE_SURROGATE.test(value)) return { field: path, reason: surrogate };
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, `${path}[${i}]`]));
    } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
      for (const [key, item] of Object.entries(value)) {
        const child = path ? `${path}.${key}` : key;
        if (key.includes('\u0000'))
          return { field: path || 'body', reason: 'keys must not contain a NUL character' };
        if (LONE_SURROGATE.test(key))
          return { field: path || 'body', reason: 'keys must be well-formed Unicode' };
        if (PROTOTYPE_KEYS.has(key)) return { field: child, reason: 'is not allowed' };
        stack.push([item, child]);
      }
    }
  }
  return undefined;
}

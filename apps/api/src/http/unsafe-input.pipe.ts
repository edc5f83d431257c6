import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';

import { maskPanLike } from '@driftwatch/config-state';
import { DriftwatchError, type FieldError } from '@driftwatch/core';

/** Keys that address an object's prototype: never data, refused wherever they appear. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor']);

/**
 * Refuses, in every parameter, query and body, with a 400 naming the field:
 * - a NUL character (U+0000) in a string or key: PostgreSQL text cannot hold one, so it would
 *   fail in the database as a 500;
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
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field: path, reason: nul };
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, `${path}[${i}]`]));
    } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
      for (const [key, item] of Object.entries(value)) {
        const child = path ? `${path}.${key}` : key;
        if (key.includes('\u0000'))
          return { field: path || 'body', reason: 'keys must not contain a NUL character' };
        if (PROTOTYPE_KEYS.has(key)) return { field: child, reason: 'is not allowed' };
        stack.push([item, child]);
      }
    }
  }
  return undefined;
}

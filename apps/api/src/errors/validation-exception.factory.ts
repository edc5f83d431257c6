import type { ValidationError } from 'class-validator';

import { maskPanLike } from '@driftwatch/config-state';
import { DriftwatchError, type FieldError } from '@driftwatch/core';

/**
 * class-validator errors as field errors: "targets[2]: must be a string". Property names come
 * from the client (an unknown key is named in its error): a card number there is masked.
 */
export function validationExceptionFactory(errors: ValidationError[]): DriftwatchError {
  return DriftwatchError.validation(
    flatten(errors, '').map(({ field, reason }) => ({
      field: maskPanLike(field),
      reason: maskPanLike(reason),
    })),
  );
}

function flatten(errors: readonly ValidationError[], parent: string): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent
      ? /^\d+$/.test(e.property)
        ? `${parent}[${e.property}]`
        : `${parent}.${e.property}`
      : e.property;
    const own = Object.values(e.constraints ?? {}).map((reason) => ({
      field,
      // class-validator starts each message with the property name; keep just the reason.
      reason: reason.startsWith(`${e.property} `) ? reason.slice(e.property.length + 1) : reason,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

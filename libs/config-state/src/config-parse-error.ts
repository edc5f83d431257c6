import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import type { ConfigKind, ConfigProblem } from './config-document.model';

/**
 * A document a parser refuses: the API answers 400 naming the kind, line (or JSON pointer) and
 * reason, and stores nothing.
 */
export class ConfigParseError extends DriftwatchError {
  constructor(
    readonly kind: ConfigKind,
    readonly problems: readonly ConfigProblem[],
  ) {
    const where = (p: ConfigProblem): string =>
      p.line !== undefined ? `line ${p.line}: ` : p.pointer !== undefined ? `${p.pointer || '/'}: ` : '';
    super(
      ErrorCode.ValidationFailed,
      `Invalid ${kind} document: ${problems.map((p) => `${where(p)}${p.reason}`).join('; ')}`,
      {
        fields: problems.map((p) => ({
          field: p.line !== undefined ? `content:${p.line}` : `content${p.pointer ?? ''}`,
          reason: p.reason,
        })),
      },
    );
    this.name = 'ConfigParseError';
  }
}

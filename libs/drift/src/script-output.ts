import { comparableOutput } from '@driftwatch/core';

export { comparableOutput };

/**
 * The lines of two outputs of one script that differ (as a multiset of trimmed, non-blank
 * lines, in their own order), for showing what changed in a long output.
 */
export function changedLines(
  id: string,
  before: string,
  after: string,
): { removed: string[]; added: string[] } {
  const a = lines(comparableOutput(id, before));
  const b = lines(comparableOutput(id, after));
  return { removed: without(a, b), added: without(b, a) };
}

function lines(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Multiset difference, keeping the order of `from`. */
export function without(from: readonly string[], remove: readonly string[]): string[] {
  const left = [...remove];
  return from.filter((s) => {
    const i = left.indexOf(s);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

import type { RegExpEngine } from 'ajv/dist/types';

/**
 * Why a rule's `pattern` could take exponential time on a crafted string, or undefined.
 *
 * JavaScript's RegExp backtracks: `^(a+)+$` against 35 "a"s and a "!" ran the API's event loop
 * for two minutes while PUT /policies tested the rule's fixtures, and patterns also run against
 * what scanned hosts send (banners, headers). The classic cause is an unbounded quantifier
 * (`*`, `+`, `{n,}`) on a group that itself holds one: such a pattern is refused when the rule is
 * compiled. Bounded repeats (`{3}`, `?`) and quantifiers side by side are allowed. This is a
 * guard against the common case, not a proof of linear time.
 */
export function nestedQuantifier(pattern: string): string | undefined {
  // One entry per open group: whether anything inside it repeats without bound.
  const groups: boolean[] = [];
  const markEnclosing = () => {
    if (groups.length > 0) groups[groups.length - 1] = true;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    let atomEnd = i;
    let inner = false;
    if (c === '\\') {
      atomEnd = i + 1;
    } else if (c === '[') {
      // A character class is one atom ("]" first is a literal, "\" escapes).
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      atomEnd = j;
    } else if (c === '(') {
      groups.push(false);
      continue;
    } else if (c === ')') {
      inner = groups.pop() ?? false;
    } else if (c === '|' || c === '^' || c === '$') {
      continue;
    }
    const quantifier = quantifierAt(pattern, atomEnd + 1);
    if (quantifier) {
      if (quantifier.unbounded && inner) {
        return `a group that repeats without bound holds a quantifier that does too (before offset ${atomEnd + 1}), which can take exponential time: write it without the nesting ("(a+)+" as "a+")`;
      }
      if (quantifier.unbounded) markEnclosing();
      i = quantifier.end;
      if (pattern[i + 1] === '?') i++; // lazy
    } else {
      i = atomEnd;
    }
    if (inner) markEnclosing();
  }
  return undefined;
}

function quantifierAt(pattern: string, i: number): { unbounded: boolean; end: number } | undefined {
  const c = pattern[i];
  if (c === '*' || c === '+') return { unbounded: true, end: i };
  if (c === '?') return { unbounded: false, end: i };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (m) return { unbounded: m[2] !== undefined && m[3] === '', end: i + m[0].length - 1 };
  }
  return undefined;
}

/** ajv's RegExp engine for rule conditions: JavaScript's, refusing nested unbounded quantifiers. */
export const safeRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string): RegExp => {
    const reason = nestedQuantifier(pattern);
    if (reason) throw new Error(`pattern "${pattern}": ${reason}`);
    return new RegExp(pattern, flags);
  },
  { code: 'new RegExp' },
);

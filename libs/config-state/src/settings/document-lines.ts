import type { ConfigKind, ConfigProblem } from '../config-document.model';
import { ConfigParseError } from '../config-parse-error';

/** A document names at most this many problems; one more entry says how many were left out. */
export const MAX_PROBLEMS = 20;

/**
 * Longer lines are refused: no configuration needs them, and the parsers' patterns then stay
 * cheap on hostile input.
 */
export const MAX_LINE_LENGTH = 16_384;

/** Collects every problem in a document so the sender can fix them all in one go. */
export class ProblemList {
  private readonly problems: ConfigProblem[] = [];
  private dropped = 0;

  constructor(private readonly kind: ConfigKind) {}

  add(line: number, reason: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ line, reason });
    else this.dropped++;
  }

  get empty(): boolean {
    return this.problems.length === 0;
  }

  throwIfAny(): void {
    if (this.empty) return;
    const more = this.dropped > 0 ? [{ reason: `and ${this.dropped} more problems` }] : [];
    throw new ConfigParseError(this.kind, [...this.problems, ...more]);
  }
}

/** A line of the document with its 1-based number, as the sender will look it up. */
export interface NumberedLine {
  number: number;
  text: string;
}

/**
 * The document's lines, after refusing what no text configuration can be: a non-string, an empty
 * or blank document, binary content (NUL bytes). A leading byte-order mark is dropped; CRLF is
 * accepted because files edited on Windows still work on the host.
 */
export function documentLines(kind: ConfigKind, content: unknown): NumberedLine[] {
  if (typeof content !== 'string') {
    throw new ConfigParseError(kind, [{ reason: 'the document must be text' }]);
  }
  if (content.includes('\0')) {
    const line = content.slice(0, content.indexOf('\0')).split('\n').length;
    throw new ConfigParseError(kind, [
      { line, reason: 'binary content (NUL byte) is not a configuration file' },
    ]);
  }
  const text = content.startsWith('\uFEFF') ? content.slice(1) : content;
  if (text.trim() === '') throw new ConfigParseError(kind, [{ reason: 'the document is empty' }]);
  const lines = text.split('\n').map((raw, i) => ({
    number: i + 1,
    text: raw.endsWith('\r') ? raw.slice(0, -1) : raw,
  }));
  const problems = new ProblemList(kind);
  for (const line of lines) {
    if (line.text.length > MAX_LINE_LENGTH) {
      problems.add(
        line.number,
        `line is ${line.text.length} characters long; configuration lines are at most ${MAX_LINE_LENGTH}`,
      );
    }
  }
  problems.throwIfAny();
  return lines;
}

/** Shown in reasons: long or unprintable values are cut and escaped so the message stays readable. */
export function quote(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return JSON.stringify(shown);
}

export type Tokens = { ok: true; tokens: string[] } | { ok: false; reason: string };

/**
 * Splits a value into whitespace-separated words, honouring double quotes (the quotes are
 * removed); an unquoted word starting with `#` ends the line when `comments` is set, as sshd
 * and rsyslog read trailing comments.
 */
export function splitWords(value: string, comments = false): Tokens {
  const tokens: string[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
    if (i >= value.length) break;
    if (comments && value[i] === '#') break;
    let word = '';
    while (i < value.length && value[i] !== ' ' && value[i] !== '\t') {
      if (value[i] === '"') {
        const end = value.indexOf('"', i + 1);
        if (end < 0) return { ok: false, reason: 'unterminated double quote' };
        word += value.slice(i + 1, end);
        i = end + 1;
      } else {
        word += value[i];
        i++;
      }
    }
    tokens.push(word);
  }
  return { ok: true, tokens };
}

/** A whole decimal integer (optionally signed), or undefined: `Number()` would accept `0x1f` and `1e3`. */
export function parseInteger(value: string, allowNegative = false): number | undefined {
  const pattern = allowNegative ? /^[-+]?\d{1,15}$/ : /^\+?\d{1,15}$/;
  return pattern.test(value) ? Number(value) : undefined;
}

/**
 * `# file: /etc/security/pwquality.conf` — the collectors concatenate several files and put this
 * marker line before each, so a parser can tell which file a line came from.
 */
export function fileMarker(line: string): string | undefined {
  const match = /^#\s*file:\s*(\S.*?)\s*$/i.exec(line.trim());
  return match ? match[1] : undefined;
}

/**
 * An empty settings map without a prototype: keys come from the document, and a keyword such as
 * `constructor` or `__proto__` must be an ordinary entry, not Object.prototype's member.
 */
export function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Adds a value to a multi-valued setting, keeping the order of the document. */
export function appendSetting(settings: Record<string, string[]>, key: string, value: string): void {
  const values = Object.hasOwn(settings, key) ? settings[key] : undefined;
  if (values) values.push(value);
  else settings[key] = [value];
}

/** Refuses a document that has only comments and blank lines: most likely a failed collection. */
export function requireContent(kind: ConfigKind, found: boolean): void {
  if (!found)
    throw new ConfigParseError(kind, [
      { reason: 'the document has no settings, only comments or blank lines' },
    ]);
}

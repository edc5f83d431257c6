import type { HstsPolicy, HttpFacts, HttpHeader, ScriptResult } from '@driftwatch/core';

import { script, scriptError } from './script-table';

/**
 * http-headers has no structured output: its `output` is text, one line per header line as the
 * server sent it, each indented two spaces, then a blank line and "(Request type: HEAD)" (or GET):
 *
 *   "\n  Server: nginx/1.22.1\n  Strict-Transport-Security: max-age=31536000\n  \n  (Request type: HEAD)\n"
 */
const INDENT = '  ';
const REQUEST_TYPE = /^\(Request type: (HEAD|GET)\)$/;
// RFC 9110 field-name: a token.
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** HTTP facts of one port from http-headers, or undefined when the script did not run there. */
export function httpFacts(scripts: readonly ScriptResult[]): HttpFacts | undefined {
  const result = script(scripts, 'http-headers');
  if (!result) return undefined;
  const facts: HttpFacts = { headers: [], errors: [] };

  const failed = scriptError(result);
  if (failed) {
    facts.errors.push(failed);
    return facts;
  }
  if (result.output.trim() === '') {
    facts.errors.push('http-headers: empty output');
    return facts;
  }

  let ended = false;
  for (const rawLine of result.output.split(/\r?\n/)) {
    const line = rawLine.startsWith(INDENT) ? rawLine.slice(INDENT.length) : rawLine;
    if (line.trim() === '') continue;
    const requestType = REQUEST_TYPE.exec(line)?.[1];
    if (requestType === 'HEAD' || requestType === 'GET') {
      facts.requestType = requestType;
      ended = true;
      continue;
    }
    if (ended) {
      facts.errors.push(`http-headers: unexpected line after the request type: ${JSON.stringify(line)}`);
      continue;
    }
    const previous = facts.headers[facts.headers.length - 1];
    if (/^[ \t]/.test(line) && previous) {
      // obs-fold (RFC 9112 section 5.2): a continuation of the previous header's value.
      previous.value = `${previous.value} ${line.trim()}`.trim();
      continue;
    }
    const header = HEADER_LINE.exec(line);
    if (header?.[1] !== undefined && header[2] !== undefined) {
      facts.headers.push({ name: header[1], value: header[2] });
    } else {
      facts.errors.push(`http-headers: not a header line: ${JSON.stringify(line)}`);
    }
  }
  if (!ended)
    facts.errors.push('http-headers: output ends before "(Request type: ...)", so it may be cut short');

  const server = first(facts, 'Server');
  if (server !== undefined) facts.server = server;
  const poweredBy = first(facts, 'X-Powered-By');
  if (poweredBy !== undefined) facts.poweredBy = poweredBy;
  const sts = first(facts, 'Strict-Transport-Security');
  if (sts !== undefined) {
    const { policy, errors } = parseHsts(sts);
    facts.hsts = policy;
    facts.errors.push(...errors);
  }
  return facts;
}

/** The first value of a header (names compare case-insensitively); a repeat is noted as an error. */
function first(facts: HttpFacts, name: string): string | undefined {
  const found = facts.headers.filter((h: HttpHeader) => h.name.toLowerCase() === name.toLowerCase());
  if (found.length > 1) facts.errors.push(`${name}: sent ${found.length} times; the first is used`);
  return found[0]?.value;
}

/**
 * A Strict-Transport-Security value by RFC 6797 section 6.1: `;`-separated directives, names
 * case-insensitive, values a token or a quoted-string; max-age is required and only digits;
 * a directive given twice makes the header invalid; unknown directives are ignored.
 */
export function parseHsts(raw: string): { policy: HstsPolicy; errors: string[] } {
  const errors: string[] = [];
  const policy: HstsPolicy = { includeSubDomains: false, preload: false, valid: true, raw };
  const seen = new Set<string>();
  const invalid = (message: string) => {
    errors.push(`Strict-Transport-Security: ${message}`);
    policy.valid = false;
  };

  for (const directive of splitDirectives(raw)) {
    const eq = directive.indexOf('=');
    const name = (eq < 0 ? directive : directive.slice(0, eq)).trim();
    const rawValue = eq < 0 ? undefined : directive.slice(eq + 1).trim();
    if (name === '' && rawValue === undefined) continue; // empty directives are allowed
    if (!TOKEN.test(name)) {
      invalid(`not a directive: ${JSON.stringify(directive.trim())}`);
      continue;
    }
    const key = name.toLowerCase();
    if (seen.has(key)) {
      invalid(`${name} given more than once`);
      continue;
    }
    seen.add(key);
    const value = rawValue === undefined ? undefined : unquote(rawValue);
    if (key === 'max-age') {
      if (value === undefined || !/^\d+$/.test(value)) {
        invalid(
          `max-age ${value === undefined ? 'has no value' : `${JSON.stringify(value)} is not a number of seconds`}`,
        );
      } else if (!Number.isSafeInteger(Number(value))) {
        invalid(`max-age ${value} is out of range`);
      } else {
        policy.maxAgeSeconds = Number(value);
      }
    } else if (key === 'includesubdomains' || key === 'preload') {
      if (key === 'includesubdomains') policy.includeSubDomains = true;
      else policy.preload = true;
      if (value !== undefined) errors.push(`Strict-Transport-Security: ${name} takes no value`);
    }
  }
  if (!seen.has('max-age')) invalid('no max-age directive');
  return { policy, errors };
}

/** Split on `;` outside quoted-strings. */
function splitDirectives(raw: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (quoted && c === '\\' && i + 1 < raw.length) {
      current += c + raw.charAt(++i);
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}

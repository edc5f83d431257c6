import type { ConfigChange } from '../config-document.model';
import type { ConfigKindHandler } from '../config-kind-handler';
import { appendSetting, documentLines, ProblemList, quote, record, requireContent } from './document-lines';
import { diffSettings } from './settings-diff';

export const FORWARDING_PROTOCOLS = ['udp', 'tcp', 'relp'] as const;

/** A remote log destination. */
export interface RsyslogForwarding {
  /**
   * Which messages go there: the legacy selector (`*.*`, `auth,authpriv.*`, `:msg, contains, "x"`),
   * `if <condition>` for RainerScript, `ruleset <name>` inside a ruleset, `*.*` for a top-level
   * `action()`.
   */
  selector: string;
  target: string;
  port?: number;
  protocol: (typeof FORWARDING_PROTOCOLS)[number];
  tls: boolean;
}

/**
 * rsyslog.conf. `settings` keeps what the forwarding facts do not: legacy `$Directive value`
 * lines (name lowercased without `$`: rsyslog reads them case-insensitively) and the parameters
 * of `global()` and `main_queue()` as `global.<name>`, `main_queue.<name>`.
 */
export interface RsyslogFacts {
  forwarding: RsyslogForwarding[];
  /** Loaded modules, `.so` removed, in order. */
  modules: string[];
  /** `$IncludeConfig` and `include(file=...)` paths, in order. */
  includes: string[];
  settings: Record<string, string[]>;
}

const OBJECTS = new Set([
  'action',
  'module',
  'input',
  'global',
  'main_queue',
  'template',
  'ruleset',
  'include',
  'timezone',
  'parser',
  'lookup_table',
  'dyn_stats',
  'percentile_stats',
  'property',
  'constant',
  'ratelimit',
]);
const STATEMENT =
  /^(stop|continue|reset|call[ \t]+\S+|call_indirect[ \t].*|set[ \t].*|unset[ \t].*|foreach[ \t].*|~)$/;

interface Frame {
  selector: string | undefined;
}

interface State {
  problems: ProblemList;
  facts: RsyslogFacts;
  stack: Frame[];
  /** Selector of an `if ... then` waiting for its action or block. */
  pending: string | undefined;
  lastIf: string | undefined;
  /** Selector of the last legacy action, for `&` lines. */
  lastSelector: string | undefined;
  /** Legacy `$ActionSendStreamDriverMode 1`: later `@@` actions use TLS. */
  legacyTls: boolean;
}

/**
 * Parses rsyslog.conf: legacy lines (`$ModLoad`, `$IncludeConfig`, `$ActionSendStreamDriverMode`,
 * `selector action`, `& action`) and RainerScript (`module()`, `action()` and other objects,
 * which may span lines; `if ... then`, `ruleset() { }` blocks; `#` and `/* *\/` comments).
 * Forwarding comes from `@host[:port]` (UDP), `@@host[:port]` (TCP), `:omrelp:host:port` and
 * `action(type="omfwd"|"omrelp" ...)`. TLS is on for `StreamDriverMode="1"` (omfwd), `tls="on"`
 * (omrelp) or a legacy `$ActionSendStreamDriverMode 1` before a legacy `@@` action (it stays in
 * effect until changed, as the legacy settings of omfwd do).
 */
export function parseRsyslog(content: string): RsyslogFacts {
  const state: State = {
    problems: new ProblemList('rsyslog'),
    facts: { forwarding: [], modules: [], includes: [], settings: record() },
    stack: [],
    pending: undefined,
    lastIf: undefined,
    lastSelector: undefined,
    legacyTls: false,
  };
  const lines = documentLines('rsyslog', content);
  let inBlockComment = false;
  let found = false;
  let open: OpenObject | undefined;

  for (const { number, text: raw } of lines) {
    const stripped = stripComments(raw, inBlockComment);
    inBlockComment = stripped.inBlockComment;
    let rest = stripped.text.trim();
    if (rest !== '') found = true;

    while (rest !== '') {
      if (open) {
        const end = scanObject(open, rest);
        if (end < 0) break;
        rest = rest.slice(end + 1).trim();
        handleObject(state, open.name, open.text, open.line, open.selector);
        open = undefined;
        continue;
      }
      if (rest.startsWith('$')) {
        legacyDirective(state, rest, number);
        break;
      }
      if (rest.startsWith('{')) {
        state.stack.push({ selector: state.pending ?? currentSelector(state) });
        state.pending = undefined;
        rest = rest.slice(1).trim();
        continue;
      }
      if (rest.startsWith('}')) {
        if (state.stack.length === 0) state.problems.add(number, 'a "}" without an opening "{"');
        else state.stack.pop();
        rest = rest.slice(1).trim();
        continue;
      }
      const ifThen = splitIfThen(rest);
      if (ifThen) {
        state.pending = `if ${ifThen.condition}`;
        state.lastIf = state.pending;
        rest = ifThen.rest;
        continue;
      }
      if (/^(?:else[ \t]+)?if\b/.test(rest)) {
        state.problems.add(number, 'an "if" needs its condition and "then" on one line');
        break;
      }
      const elseMatch = /^else\b(.*)$/.exec(rest);
      if (elseMatch) {
        state.pending = state.lastIf ? `else of ${state.lastIf}` : 'else';
        rest = elseMatch[1].trim();
        continue;
      }
      const object = /^([A-Za-z_]+)[ \t]*\(/.exec(rest);
      if (object && OBJECTS.has(object[1].toLowerCase())) {
        const selector = state.pending ?? currentSelector(state);
        if (object[1].toLowerCase() === 'action') state.pending = undefined;
        open = {
          name: object[1].toLowerCase(),
          line: number,
          text: '',
          selector,
          depth: 0,
          quoteChar: undefined,
        };
        continue;
      }
      if (STATEMENT.test(rest)) {
        state.pending = undefined;
        break;
      }
      if (state.pending !== undefined) {
        // `if ... then <legacy action>` on the same line.
        legacyAction(state, rest, state.pending, number);
        state.pending = undefined;
        break;
      }
      const legacy = selectorLine(rest);
      if (!legacy) {
        state.problems.add(
          number,
          `not an rsyslog directive, object, filter or "selector action" line: ${quote(rest)}`,
        );
        break;
      }
      if (legacy.selector !== '&') state.lastSelector = legacy.selector;
      const selector = legacy.selector === '&' ? (state.lastSelector ?? '*.*') : legacy.selector;
      const action = /^action[ \t]*\(/i.exec(legacy.action);
      if (action) {
        state.pending = selector;
        rest = legacy.action;
        continue;
      }
      legacyAction(state, legacy.action, selector, number);
      break;
    }
  }
  if (open) state.problems.add(open.line, `${open.name}( is not closed with ")"`);
  if (inBlockComment) state.problems.add(lines.length, 'a "/*" comment is not closed');
  if (state.stack.length > 0)
    state.problems.add(lines.length, `${state.stack.length} "{" not closed with "}"`);
  state.problems.throwIfAny();
  requireContent('rsyslog', found);
  return state.facts;
}

/** `[else] if <condition> then <rest>`, found by a scan: a backtracking pattern is slow on long lines. */
function splitIfThen(line: string): { condition: string; rest: string } | undefined {
  const start = /^(?:else[ \t]+)?if[ \t]/.exec(line);
  if (!start) return undefined;
  for (let at = line.indexOf('then', start[0].length); at >= 0; at = line.indexOf('then', at + 4)) {
    const before = line[at - 1];
    const after = line[at + 4] as string | undefined;
    if ((before === ' ' || before === '\t') && (after === undefined || !/\w/.test(after))) {
      const condition = line.slice(start[0].length, at).trim();
      return condition === '' ? undefined : { condition, rest: line.slice(at + 4).trim() };
    }
  }
  return undefined;
}

function currentSelector(state: State): string | undefined {
  return state.stack.length > 0 ? state.stack[state.stack.length - 1].selector : undefined;
}

/**
 * Removes `#` comments and `/* *\/` comments outside quotes. A legacy `$Directive` line is one
 * token to rsyslog, so `/*` there is a path (`$IncludeConfig /etc/rsyslog.d/*.conf`).
 */
function stripComments(line: string, inBlockComment: boolean): { text: string; inBlockComment: boolean } {
  const legacy = !inBlockComment && line.trimStart().startsWith('$');
  let out = '';
  let quoteChar: string | undefined;
  let inComment = inBlockComment;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inComment) {
      if (c === '*' && line[i + 1] === '/') {
        inComment = false;
        i++;
      }
      continue;
    }
    if (quoteChar) {
      out += c;
      if (c === '\\') out += line[++i] ?? '';
      else if (c === quoteChar) quoteChar = undefined;
      continue;
    }
    if (c === '#') break;
    if (c === '/' && line[i + 1] === '*' && !legacy) {
      inComment = true;
      i++;
      continue;
    }
    // A lone quote in a legacy file name or message filter must not swallow the line.
    if ((c === '"' || c === "'") && line.indexOf(c, i + 1) > i) quoteChar = c;
    out += c;
  }
  return { text: out, inBlockComment: inComment };
}

/** An object such as `action(` being read, possibly over several lines. */
interface OpenObject {
  name: string;
  line: number;
  text: string;
  selector: string | undefined;
  depth: number;
  quoteChar: string | undefined;
}

/**
 * Reads `rest` into the open object, keeping the parenthesis depth and quote state between lines
 * so a long object costs one pass. Returns the index in `rest` of the closing ")", or -1.
 */
function scanObject(open: OpenObject, rest: string): number {
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (open.quoteChar) {
      if (c === '\\') i++;
      else if (c === open.quoteChar) open.quoteChar = undefined;
      continue;
    }
    if (c === '"' || c === "'") open.quoteChar = c;
    else if (c === '(') open.depth++;
    else if (c === ')' && --open.depth === 0) {
      open.text += rest.slice(0, i + 1);
      return i;
    }
  }
  open.text += `${rest} `;
  return -1;
}

/** `name="value"`, `name=value` and `name=["a", "b"]` parameters of an object, names lowercased. */
function objectParams(text: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  const body = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  for (const m of body.matchAll(
    /([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^\s)"]+)/g,
  )) {
    const raw = m[2];
    const values = raw.startsWith('[')
      ? [...raw.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((v) => v[1])
      : [raw.startsWith('"') ? raw.slice(1, -1) : raw];
    params.set(m[1].toLowerCase(), values);
  }
  return params;
}

function handleObject(
  state: State,
  name: string,
  text: string,
  line: number,
  selector: string | undefined,
): void {
  const params = objectParams(text);
  const one = (key: string): string | undefined => params.get(key)?.[0];
  switch (name) {
    case 'module': {
      const load = one('load');
      if (load === undefined) state.problems.add(line, 'module() needs load="NAME"');
      else state.facts.modules.push(load.replace(/\.so$/, ''));
      break;
    }
    case 'include': {
      const file = one('file');
      if (file !== undefined) state.facts.includes.push(file);
      else if (one('text') === undefined)
        state.problems.add(line, 'include() needs file="PATH" or text="..."');
      break;
    }
    case 'global':
    case 'main_queue':
      for (const [key, values] of params)
        appendSetting(state.facts.settings, `${name}.${key}`, values.join(','));
      break;
    case 'ruleset': {
      const rulesetName = one('name');
      if (rulesetName === undefined) state.problems.add(line, 'ruleset() needs name="NAME"');
      // The block that follows forwards what this ruleset receives.
      state.pending = `ruleset ${rulesetName ?? ''}`.trim();
      break;
    }
    case 'action':
      actionObject(state, params, line, selector ?? '*.*');
      break;
    default:
      break;
  }
}

function actionObject(state: State, params: Map<string, string[]>, line: number, selector: string): void {
  const type = params.get('type')?.[0]?.toLowerCase();
  if (type === undefined) {
    state.problems.add(line, 'action() needs type="..."');
    return;
  }
  if (type !== 'omfwd' && type !== 'omrelp') return;
  const targets = params.get('target') ?? [];
  if (targets.length === 0 || targets.some((t) => t === '')) {
    state.problems.add(line, `action(type="${type}") needs target="HOST"`);
    return;
  }
  const portText = params.get('port')?.[0];
  const port = portText === undefined ? undefined : portNumber(portText);
  if (port === null) {
    state.problems.add(
      line,
      `action(type="${type}") port must be a number 1-65535, not ${quote(portText ?? '')}`,
    );
    return;
  }
  let protocol: RsyslogForwarding['protocol'] = 'relp';
  let tls: boolean;
  if (type === 'omfwd') {
    const p = (params.get('protocol')?.[0] ?? 'udp').toLowerCase();
    if (p !== 'udp' && p !== 'tcp') {
      state.problems.add(line, `action(type="omfwd") protocol must be udp or tcp, not ${quote(p)}`);
      return;
    }
    protocol = p;
    tls = (params.get('streamdrivermode')?.[0] ?? params.get('streamdriver.mode')?.[0]) === '1';
  } else {
    tls = (params.get('tls')?.[0] ?? '').toLowerCase() === 'on';
  }
  for (const target of targets) {
    state.facts.forwarding.push({ selector, target, ...(port !== undefined ? { port } : {}), protocol, tls });
  }
}

function portNumber(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

function legacyDirective(state: State, line: string, number: number): void {
  const match = /^\$([A-Za-z][A-Za-z0-9]*)(?:[ \t]+(.*))?$/.exec(line);
  if (!match) {
    state.problems.add(number, `not a "$Directive value" line: ${quote(line)}`);
    return;
  }
  const name = match[1].toLowerCase();
  const value = (match[2] ?? '').trim();
  if (name === 'modload') {
    if (value === '') state.problems.add(number, '$ModLoad needs a module name');
    else state.facts.modules.push(value.replace(/\.so$/, ''));
  } else if (name === 'includeconfig') {
    if (value === '') state.problems.add(number, '$IncludeConfig needs a path');
    else state.facts.includes.push(value);
  } else {
    if (name === 'actionsendstreamdrivermode') state.legacyTls = value === '1';
    appendSetting(state.facts.settings, name, value);
  }
}

/**
 * A legacy `selector action` line: a facility.priority selector (`*.*;auth,authpriv.none`), a
 * property filter (`:msg, contains, "x"`), or `&` (the previous selector), then the action.
 */
function selectorLine(line: string): { selector: string; action: string } | undefined {
  const amp = /^&[ \t]*(\S.*)$/.exec(line);
  if (amp) return { selector: '&', action: amp[1] };
  const property =
    /^(:[A-Za-z0-9_$!-]+[ \t]*,[ \t]*!?[A-Za-z_-]+[ \t]*,[ \t]*"(?:[^"\\]|\\.)*")[ \t]*(\S.*)$/.exec(line);
  if (property) return { selector: property[1], action: property[2] };
  const facility = /^([A-Za-z0-9_*,;.!=<>-]+)[ \t]+(\S.*)$/.exec(line);
  if (
    facility &&
    facility[1].split(';').every((part) => /^[A-Za-z0-9_*,]+\.!?(=|<|>|<=|>=|!=)?[A-Za-z0-9_*]+$/.test(part))
  ) {
    return { selector: facility[1], action: facility[2] };
  }
  return undefined;
}

function legacyAction(state: State, action: string, selector: string, number: number): void {
  const relp = /^:omrelp:(\[[^\]]+\]|[^:;\s]+)(?::([^;\s]*))?(;\S*)?$/.exec(action);
  if (relp) {
    addLegacyForward(state, number, selector, relp[1], relp[2], 'relp', false);
    return;
  }
  const fwd = /^(@@?)(\([^)]*\))?(\[[^\]]+\]|[^:;\s]+)(?::([^;\s]*))?(;\S*)?$/.exec(action);
  if (fwd) {
    const tcp = fwd[1] === '@@';
    addLegacyForward(state, number, selector, fwd[3], fwd[4], tcp ? 'tcp' : 'udp', tcp && state.legacyTls);
    return;
  }
  if (action.startsWith('@') || action.startsWith(':omrelp:')) {
    state.problems.add(
      number,
      `not a forwarding action (@host[:port], @@host[:port], :omrelp:host:port): ${quote(action)}`,
    );
  }
  // Files, pipes, user messages, discards and other output modules are not forwarding.
}

function addLegacyForward(
  state: State,
  number: number,
  selector: string,
  host: string,
  portText: string | undefined,
  protocol: RsyslogForwarding['protocol'],
  tls: boolean,
): void {
  const target = host.startsWith('[') ? host.slice(1, -1) : host;
  const port = portText === undefined ? undefined : portNumber(portText);
  if (port === null) {
    state.problems.add(number, `forwarding port must be a number 1-65535, not ${quote(portText ?? '')}`);
    return;
  }
  state.facts.forwarding.push({ selector, target, ...(port !== undefined ? { port } : {}), protocol, tls });
}

const STRINGS = { type: 'array', items: { type: 'string' } };
export const rsyslogFactsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['forwarding', 'modules', 'includes', 'settings'],
  properties: {
    forwarding: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['selector', 'target', 'protocol', 'tls'],
        properties: {
          selector: { type: 'string' },
          target: { type: 'string', minLength: 1 },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          protocol: { enum: [...FORWARDING_PROTOCOLS] },
          tls: { type: 'boolean' },
        },
      },
    },
    modules: STRINGS,
    includes: STRINGS,
    settings: { type: 'object', additionalProperties: STRINGS },
  },
} as const;

/**
 * Drift of forwarding targets (keyed `forward <selector> -> <target>`, valued
 * `<protocol>:<port> tls|plain`), loaded modules and includes (as lists), and legacy settings.
 */
function diffRsyslog(before: RsyslogFacts, after: RsyslogFacts): ConfigChange[] {
  const flatten = (facts: RsyslogFacts): Record<string, unknown> => {
    const flat: Record<string, unknown> = record();
    Object.assign(flat, facts.settings);
    if (facts.modules.length > 0) flat.modules = facts.modules;
    if (facts.includes.length > 0) flat.includes = facts.includes;
    for (const f of facts.forwarding) {
      flat[`forward ${f.selector} -> ${f.target}`] =
        `${f.protocol}:${f.port ?? 'default'} ${f.tls ? 'tls' : 'plain'}`;
    }
    return flat;
  };
  return diffSettings(flatten(before), flatten(after));
}

export const rsyslogHandler: ConfigKindHandler<RsyslogFacts> = {
  kind: 'rsyslog',
  description: 'The content of /etc/rsyslog.conf, with the files of /etc/rsyslog.d/ appended.',
  parse: parseRsyslog,
  factsSchema: rsyslogFactsSchema,
  diff: diffRsyslog,
};

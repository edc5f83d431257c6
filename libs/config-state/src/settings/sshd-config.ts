import type { ConfigChange } from '../config-document.model';
import type { ConfigKindHandler } from '../config-kind-handler';
import {
  documentLines,
  parseInteger,
  ProblemList,
  quote,
  record,
  requireContent,
  splitWords,
} from './document-lines';
import { diffSettings } from './settings-diff';

export const PERMIT_ROOT_LOGIN = [
  'yes',
  'no',
  'prohibit-password',
  'without-password',
  'forced-commands-only',
] as const;
export type PermitRootLogin = (typeof PERMIT_ROOT_LOGIN)[number];

const ALLOW_TCP_FORWARDING = ['yes', 'no', 'all', 'local', 'remote'] as const;
const GATEWAY_PORTS = ['yes', 'no', 'clientspecified'] as const;
const PERMIT_TUNNEL = ['yes', 'no', 'point-to-point', 'ethernet'] as const;
const COMPRESSION = ['yes', 'no', 'delayed'] as const;
const LOG_LEVELS = [
  'QUIET',
  'FATAL',
  'ERROR',
  'INFO',
  'VERBOSE',
  'DEBUG',
  'DEBUG1',
  'DEBUG2',
  'DEBUG3',
] as const;
const MATCH_CRITERIA = ['user', 'group', 'host', 'localaddress', 'localport', 'rdomain', 'address'] as const;

export type SshdSettings = Record<string, string | string[]>;

/** A `Match` block of an sshd_config file: its criteria as written and the settings inside it. */
export interface SshdMatchBlock {
  criteria: string;
  settings: SshdSettings;
  /**
   * The authentication and forwarding settings in force for a connection this block matches: its
   * own over the global ones (sshd's Match semantics), typed as the global fields are, so a rule
   * judges a block as it judges the file. A connection matching several blocks takes each keyword
   * from the first that sets it; every value it can get is one block's or the global one. Absent
   * from the facts of documents stored before it was derived.
   */
  effective?: SshdMatchEffective;
}

/** The typed fields a Match block can change (sshd_config(5) lists what Match accepts). */
const MATCH_TYPED_KEYS = [
  'permitRootLogin',
  'passwordAuthentication',
  'kbdInteractiveAuthentication',
  'pubkeyAuthentication',
  'permitEmptyPasswords',
  'hostbasedAuthentication',
  'authenticationMethods',
  'pubkeyAcceptedAlgorithms',
  'x11Forwarding',
  'allowAgentForwarding',
  'allowTcpForwarding',
  'gatewayPorts',
  'permitTunnel',
  'maxAuthTries',
  'maxSessions',
  'clientAliveInterval',
  'clientAliveCountMax',
  'logLevel',
  'banner',
] as const satisfies readonly (keyof SshdConfigFacts)[];
export type SshdMatchEffective = Pick<SshdConfigFacts, (typeof MATCH_TYPED_KEYS)[number]>;

/**
 * What an sshd configuration says. `settings` holds every keyword, lowercased (sshd reads
 * keywords case-insensitively): comma-list keywords (ciphers...) and word-list keywords
 * (allowusers...) as arrays of items, keywords sshd allows many times (port, hostkey,
 * listenaddress, subsystem...) as arrays of one entry per line, the rest as the value string.
 * Typed fields are present only when the document sets the keyword.
 */
export interface SshdConfigFacts {
  settings: SshdSettings;
  /** `Match` blocks of the file form, in order; `sshd -T` output has none. */
  matchBlocks: SshdMatchBlock[];
  /** How the document spells keywords whose spelling differs from the lowercased key. */
  keywordSpelling?: Record<string, string>;
  permitRootLogin?: PermitRootLogin;
  passwordAuthentication?: boolean;
  kbdInteractiveAuthentication?: boolean;
  pubkeyAuthentication?: boolean;
  permitEmptyPasswords?: boolean;
  hostbasedAuthentication?: boolean;
  ignoreRhosts?: boolean;
  x11Forwarding?: boolean;
  usePam?: boolean;
  strictModes?: boolean;
  allowAgentForwarding?: boolean;
  allowTcpForwarding?: (typeof ALLOW_TCP_FORWARDING)[number];
  gatewayPorts?: (typeof GATEWAY_PORTS)[number];
  permitTunnel?: (typeof PERMIT_TUNNEL)[number];
  /** Each alternative list of methods a user must all pass; `any` gives []. */
  authenticationMethods?: string[][];
  ciphers?: string[];
  macs?: string[];
  kexAlgorithms?: string[];
  hostKeyAlgorithms?: string[];
  pubkeyAcceptedAlgorithms?: string[];
  ports?: number[];
  listenAddresses?: string[];
  maxAuthTries?: number;
  maxSessions?: number;
  /** Seconds (the file form's `2m` is converted). */
  loginGraceTime?: number;
  clientAliveInterval?: number;
  clientAliveCountMax?: number;
  logLevel?: (typeof LOG_LEVELS)[number];
  banner?: string;
  allowUsers?: string[];
  allowGroups?: string[];
  denyUsers?: string[];
  denyGroups?: string[];
}

/** Keywords sshd accepts many times; `sshd -T` prints one line each. */
const MULTI_LINE = new Set([
  'port',
  'listenaddress',
  'hostkey',
  'hostcertificate',
  'subsystem',
  'setenv',
  'include',
]);
/** Keywords whose value is a list of words (repeated lines add to it). */
const WORD_LIST = new Set([
  'allowusers',
  'denyusers',
  'allowgroups',
  'denygroups',
  'acceptenv',
  'authorizedkeysfile',
  'permitopen',
  'permitlisten',
]);
/** Keywords whose value is a comma-separated algorithm list. */
const COMMA_LIST = new Set([
  'ciphers',
  'macs',
  'kexalgorithms',
  'hostkeyalgorithms',
  'pubkeyacceptedalgorithms',
  'pubkeyacceptedkeytypes',
  'hostbasedacceptedalgorithms',
  'hostbasedacceptedkeytypes',
  'casignaturealgorithms',
  'gssapikexalgorithms',
]);
const YES_NO = new Set([
  'passwordauthentication',
  'kbdinteractiveauthentication',
  'challengeresponseauthentication',
  'pubkeyauthentication',
  'permitemptypasswords',
  'hostbasedauthentication',
  'ignorerhosts',
  'ignoreuserknownhosts',
  'x11forwarding',
  'x11uselocalhost',
  'usepam',
  'strictmodes',
  'allowagentforwarding',
  'printmotd',
  'printlastlog',
  'tcpkeepalive',
  'usedns',
  'permittty',
  'permituserrc',
  'gssapiauthentication',
  'kerberosauthentication',
  'disableforwarding',
]);
const ENUMS: Record<string, readonly string[]> = {
  permitrootlogin: PERMIT_ROOT_LOGIN,
  allowtcpforwarding: ALLOW_TCP_FORWARDING,
  gatewayports: GATEWAY_PORTS,
  permittunnel: PERMIT_TUNNEL,
  compression: COMPRESSION,
};
/**
 * Keywords sshd reads as another one (servconf.c's aliases, checked against OpenSSH 9.2's
 * `sshd -T`): a value set through either is the same option, so the first line of the two wins.
 */
const ALIASES: Readonly<Record<string, string>> = {
  challengeresponseauthentication: 'kbdinteractiveauthentication',
  skeyauthentication: 'kbdinteractiveauthentication',
  dsaauthentication: 'pubkeyauthentication',
  pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms',
  hostbasedacceptedkeytypes: 'hostbasedacceptedalgorithms',
};
const COUNTS = new Set(['maxauthtries', 'maxsessions', 'clientalivecountmax', 'x11displayoffset']);
const TIMES = new Set(['logingracetime', 'clientaliveinterval']);

/**
 * Parses `sshd -T` output (the documented input: the effective configuration, one lowercase
 * `keyword value` line each) or, as a convenience, an sshd_config file (any keyword case,
 * `Keyword=value`, comments, `Match` blocks). In the file form, as sshd does, the first value
 * of a single-valued keyword wins and later ones are ignored; unknown keywords that repeat keep
 * every value, since `sshd -T` only repeats keywords that allow many values.
 */
export function parseSshdConfig(content: string): SshdConfigFacts {
  const problems = new ProblemList('sshd-config');
  const global = record<string | string[]>();
  const spelling = record<string>();
  const matchBlocks: SshdMatchBlock[] = [];
  let current = global;

  for (const { number, text } of documentLines('sshd-config', content)) {
    const line = text.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z][A-Za-z0-9]*)(?:[ \t]*=[ \t]*|[ \t]+)(.*)$/.exec(line);
    if (!match) {
      const bare = /^[A-Za-z][A-Za-z0-9]*$/.test(line);
      problems.add(number, bare ? `${line} has no value` : `not a "keyword value" line: ${quote(line)}`);
      continue;
    }
    const [, keyword, rest] = match;
    const lower = keyword.toLowerCase();
    const key = Object.hasOwn(ALIASES, lower) ? ALIASES[lower] : lower;
    const words = splitWords(rest, true);
    if (!words.ok) {
      problems.add(number, `${keyword}: ${words.reason}`);
      continue;
    }
    if (words.tokens.length === 0) {
      problems.add(number, `${keyword} has no value`);
      continue;
    }
    if (key === 'match') {
      const reason = checkMatchCriteria(words.tokens);
      if (reason) problems.add(number, `Match: ${reason}`);
      current = record();
      matchBlocks.push({ criteria: words.tokens.join(' '), settings: current });
      continue;
    }
    if (keyword !== key) spelling[key] ??= keyword;
    const reason = checkValue(key, keyword, words.tokens);
    if (reason) {
      problems.add(number, reason);
      continue;
    }
    store(current, key, words.tokens);
  }
  problems.throwIfAny();
  requireContent('sshd-config', Object.keys(global).length > 0 || matchBlocks.length > 0);
  for (const block of matchBlocks) block.effective = matchEffective(global, block.settings);
  return typedFacts(global, matchBlocks, spelling);
}

function matchEffective(global: SshdSettings, own: SshdSettings): SshdMatchEffective {
  const typed = typedFacts(Object.assign(record<string | string[]>(), global, own), [], {});
  return Object.fromEntries(
    MATCH_TYPED_KEYS.filter((key) => typed[key] !== undefined).map((key) => [key, typed[key]]),
  );
}

function store(settings: SshdSettings, key: string, tokens: string[]): void {
  const existing = Object.hasOwn(settings, key) ? settings[key] : undefined;
  const value = tokens.join(' ');
  // Appended in place: copying the list on every repeated line made a 3 MB file of 200,000
  // AcceptEnv lines take minutes (quadratic), with the API's event loop blocked throughout.
  const append = (...values: string[]): void => {
    if (Array.isArray(existing)) for (const v of values) existing.push(v);
    else settings[key] = [...asArray(existing), ...values];
  };
  if (MULTI_LINE.has(key)) {
    append(value);
  } else if (WORD_LIST.has(key)) {
    append(...tokens);
  } else if (existing !== undefined) {
    // sshd keeps the first value of a keyword it knows takes one; unknown ones keep them all.
    if (!isKnownSingle(key)) append(value);
  } else {
    settings[key] = COMMA_LIST.has(key) ? value.split(',') : value;
  }
}

function isKnownSingle(key: string): boolean {
  return (
    COMMA_LIST.has(key) ||
    YES_NO.has(key) ||
    Object.hasOwn(ENUMS, key) ||
    COUNTS.has(key) ||
    TIMES.has(key) ||
    key === 'loglevel' ||
    key === 'authenticationmethods' ||
    key === 'banner'
  );
}

function asArray(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function checkMatchCriteria(tokens: string[]): string | undefined {
  if (tokens.length === 1 && tokens[0].toLowerCase() === 'all') return undefined;
  if (tokens.length % 2 !== 0)
    return `criteria must be "all" or pairs of criterion and pattern, not ${quote(tokens.join(' '))}`;
  for (let i = 0; i < tokens.length; i += 2) {
    if (!(MATCH_CRITERIA as readonly string[]).includes(tokens[i].toLowerCase())) {
      return `unknown criterion ${quote(tokens[i])} (expected one of User, Group, Host, LocalAddress, LocalPort, RDomain, Address)`;
    }
  }
  return undefined;
}

/** Why a value is wrong for its keyword, or undefined when sshd would accept it. */
function checkValue(key: string, keyword: string, tokens: string[]): string | undefined {
  const value = tokens.join(' ');
  if (YES_NO.has(key)) {
    return /^(yes|no)$/i.test(value) ? undefined : `${keyword} must be yes or no, not ${quote(value)}`;
  }
  const allowed = Object.hasOwn(ENUMS, key) ? ENUMS[key] : undefined;
  if (allowed) {
    return allowed.includes(value.toLowerCase())
      ? undefined
      : `${keyword} must be one of ${allowed.join(', ')}, not ${quote(value)}`;
  }
  if (key === 'port') {
    const port = parseInteger(value);
    return port !== undefined && port >= 1 && port <= 65535
      ? undefined
      : `${keyword} must be a port number 1-65535, not ${quote(value)}`;
  }
  if (COUNTS.has(key)) {
    return parseInteger(value) !== undefined
      ? undefined
      : `${keyword} must be a whole number, not ${quote(value)}`;
  }
  if (TIMES.has(key)) {
    return parseSshTime(value) !== undefined
      ? undefined
      : `${keyword} must be a time such as 120 or 2m, not ${quote(value)}`;
  }
  if (key === 'loglevel') {
    return (LOG_LEVELS as readonly string[]).includes(value.toUpperCase())
      ? undefined
      : `${keyword} must be one of ${LOG_LEVELS.join(', ')}, not ${quote(value)}`;
  }
  if (COMMA_LIST.has(key)) {
    if (tokens.length > 1 || /^[-+^]?,|,,|,$/.test(value))
      return `${keyword} must be one comma-separated list without empty entries, not ${quote(value)}`;
    return undefined;
  }
  if (key === 'authenticationmethods') {
    if (value.toLowerCase() === 'any') return undefined;
    const ok = tokens.every((list) =>
      /^[a-z][a-z0-9-]*(:[a-z0-9-]+)?(,[a-z][a-z0-9-]*(:[a-z0-9-]+)?)*$/i.test(list),
    );
    return ok ? undefined : `${keyword} must be "any" or comma-separated method lists, not ${quote(value)}`;
  }
  return undefined;
}

/** sshd's time format: seconds, or a sum of `<n>s|m|h|d|w` parts (`1h30m`). */
export function parseSshTime(value: string): number | undefined {
  if (/^\d{1,9}$/.test(value)) return Number(value);
  if (!/^(\d{1,9}[smhdw])+$/i.test(value)) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of value.matchAll(/(\d+)([smhdw])/gi)) total += Number(n) * unit[u.toLowerCase()];
  return total;
}

function typedFacts(
  settings: SshdSettings,
  matchBlocks: SshdMatchBlock[],
  spelling: Record<string, string>,
): SshdConfigFacts {
  const facts: SshdConfigFacts = { settings, matchBlocks };
  if (Object.keys(spelling).length > 0) facts.keywordSpelling = spelling;
  const one = (key: string): string | undefined => {
    const v = Object.hasOwn(settings, key) ? settings[key] : undefined;
    return Array.isArray(v) ? v[0] : v;
  };
  const list = (key: string): string[] | undefined => {
    const v = Object.hasOwn(settings, key) ? settings[key] : undefined;
    return v === undefined ? undefined : asArray(v);
  };
  const flag = (key: string): boolean | undefined => {
    const v = one(key);
    return v === undefined ? undefined : v.toLowerCase() === 'yes';
  };
  const lower = <T extends string>(key: string): T | undefined => one(key)?.toLowerCase() as T | undefined;
  const count = (key: string): number | undefined => {
    const v = one(key);
    return v === undefined ? undefined : parseInteger(v);
  };
  const time = (key: string): number | undefined => {
    const v = one(key);
    return v === undefined ? undefined : parseSshTime(v);
  };

  assign(facts, 'permitRootLogin', lower<PermitRootLogin>('permitrootlogin'));
  assign(facts, 'passwordAuthentication', flag('passwordauthentication'));
  // ChallengeResponseAuthentication is the deprecated alias sshd still reads.
  assign(
    facts,
    'kbdInteractiveAuthentication',
    flag('kbdinteractiveauthentication') ?? flag('challengeresponseauthentication'),
  );
  assign(facts, 'pubkeyAuthentication', flag('pubkeyauthentication'));
  assign(facts, 'permitEmptyPasswords', flag('permitemptypasswords'));
  assign(facts, 'hostbasedAuthentication', flag('hostbasedauthentication'));
  assign(facts, 'ignoreRhosts', flag('ignorerhosts'));
  assign(facts, 'x11Forwarding', flag('x11forwarding'));
  assign(facts, 'usePam', flag('usepam'));
  assign(facts, 'strictModes', flag('strictmodes'));
  assign(facts, 'allowAgentForwarding', flag('allowagentforwarding'));
  assign(facts, 'allowTcpForwarding', lower<(typeof ALLOW_TCP_FORWARDING)[number]>('allowtcpforwarding'));
  assign(facts, 'gatewayPorts', lower<(typeof GATEWAY_PORTS)[number]>('gatewayports'));
  assign(facts, 'permitTunnel', lower<(typeof PERMIT_TUNNEL)[number]>('permittunnel'));
  const methods = one('authenticationmethods');
  if (methods !== undefined) {
    facts.authenticationMethods =
      methods.toLowerCase() === 'any' ? [] : methods.split(' ').map((m) => m.split(','));
  }
  assign(facts, 'ciphers', algorithms(list('ciphers')));
  assign(facts, 'macs', algorithms(list('macs')));
  assign(facts, 'kexAlgorithms', algorithms(list('kexalgorithms')));
  assign(facts, 'hostKeyAlgorithms', algorithms(list('hostkeyalgorithms')));
  assign(
    facts,
    'pubkeyAcceptedAlgorithms',
    algorithms(list('pubkeyacceptedalgorithms') ?? list('pubkeyacceptedkeytypes')),
  );
  assign(facts, 'ports', list('port')?.map(Number));
  assign(facts, 'listenAddresses', list('listenaddress'));
  assign(facts, 'maxAuthTries', count('maxauthtries'));
  assign(facts, 'maxSessions', count('maxsessions'));
  assign(facts, 'loginGraceTime', time('logingracetime'));
  assign(facts, 'clientAliveInterval', time('clientaliveinterval'));
  assign(facts, 'clientAliveCountMax', count('clientalivecountmax'));
  assign(facts, 'logLevel', one('loglevel')?.toUpperCase() as SshdConfigFacts['logLevel']);
  assign(facts, 'banner', one('banner'));
  assign(facts, 'allowUsers', list('allowusers'));
  assign(facts, 'allowGroups', list('allowgroups'));
  assign(facts, 'denyUsers', list('denyusers'));
  assign(facts, 'denyGroups', list('denygroups'));
  return facts;
}

/**
 * The algorithms a comma list names. `sshd -T` prints the effective list. A file's `+list` or
 * `^list` adds to sshd's defaults, so the named algorithms are enabled and listed here (without
 * the operator); a `-list` only removes defaults, so no typed list can be given for it.
 */
function algorithms(items: string[] | undefined): string[] | undefined {
  if (!items || items.length === 0) return items;
  const op = items[0][0];
  if (op === '-') return undefined;
  if (op === '+' || op === '^') return [items[0].slice(1), ...items.slice(1)];
  return items;
}

function assign<K extends keyof SshdConfigFacts>(
  facts: SshdConfigFacts,
  key: K,
  value: SshdConfigFacts[K] | undefined,
): void {
  if (value !== undefined) facts[key] = value;
}

const STRING_OR_LIST = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const SSHD_SETTINGS_SCHEMA = { type: 'object', additionalProperties: STRING_OR_LIST };
const STRINGS = { type: 'array', items: { type: 'string' } };

// The typed fields, at the top level and (those a Match block can change) in each block's `effective`.
const TYPED_FIELD_SCHEMAS = {
  permitRootLogin: { enum: [...PERMIT_ROOT_LOGIN] },
  passwordAuthentication: { type: 'boolean' },
  kbdInteractiveAuthentication: { type: 'boolean' },
  pubkeyAuthentication: { type: 'boolean' },
  permitEmptyPasswords: { type: 'boolean' },
  hostbasedAuthentication: { type: 'boolean' },
  ignoreRhosts: { type: 'boolean' },
  x11Forwarding: { type: 'boolean' },
  usePam: { type: 'boolean' },
  strictModes: { type: 'boolean' },
  allowAgentForwarding: { type: 'boolean' },
  allowTcpForwarding: { enum: [...ALLOW_TCP_FORWARDING] },
  gatewayPorts: { enum: [...GATEWAY_PORTS] },
  permitTunnel: { enum: [...PERMIT_TUNNEL] },
  authenticationMethods: { type: 'array', items: STRINGS },
  ciphers: STRINGS,
  macs: STRINGS,
  kexAlgorithms: STRINGS,
  hostKeyAlgorithms: STRINGS,
  pubkeyAcceptedAlgorithms: STRINGS,
  ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } },
  listenAddresses: STRINGS,
  maxAuthTries: { type: 'integer', minimum: 0 },
  maxSessions: { type: 'integer', minimum: 0 },
  loginGraceTime: { type: 'integer', minimum: 0 },
  clientAliveInterval: { type: 'integer', minimum: 0 },
  clientAliveCountMax: { type: 'integer', minimum: 0 },
  logLevel: { enum: [...LOG_LEVELS] },
  banner: { type: 'string' },
  allowUsers: STRINGS,
  allowGroups: STRINGS,
  denyUsers: STRINGS,
  denyGroups: STRINGS,
} as const;
const MATCH_EFFECTIVE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(MATCH_TYPED_KEYS.map((key) => [key, TYPED_FIELD_SCHEMAS[key]])),
};

export const sshdConfigFactsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['settings', 'matchBlocks'],
  properties: {
    settings: SSHD_SETTINGS_SCHEMA,
    matchBlocks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['criteria', 'settings'],
        properties: {
          criteria: { type: 'string' },
          settings: SSHD_SETTINGS_SCHEMA,
          effective: MATCH_EFFECTIVE_SCHEMA,
        },
      },
    },
    keywordSpelling: { type: 'object', additionalProperties: { type: 'string' } },
    ...TYPED_FIELD_SCHEMAS,
  },
} as const;

/**
 * Setting drift over the global settings and each Match block's settings, the latter under
 * `Match <criteria>/<keyword>` (a second block with the same criteria gets ` #2`).
 */
function diffSshd(before: SshdConfigFacts, after: SshdConfigFacts): ConfigChange[] {
  const names = Object.assign(record<string>(), before.keywordSpelling, after.keywordSpelling);
  const flatten = (facts: SshdConfigFacts): Record<string, unknown> => {
    const flat: Record<string, unknown> = record();
    Object.assign(flat, facts.settings);
    const seen = new Map<string, number>();
    for (const block of facts.matchBlocks) {
      const n = (seen.get(block.criteria) ?? 0) + 1;
      seen.set(block.criteria, n);
      const prefix = `Match ${block.criteria}${n > 1 ? ` #${n}` : ''}`;
      for (const [key, value] of Object.entries(block.settings)) {
        flat[`${prefix}/${key}`] = value;
        names[`${prefix}/${key}`] = `${prefix}: ${Object.hasOwn(names, key) ? names[key] : key}`;
      }
    }
    return flat;
  };
  return diffSettings(flatten(before), flatten(after), { names });
}

export const sshdConfigHandler: ConfigKindHandler<SshdConfigFacts> = {
  kind: 'sshd-config',
  description:
    'The effective OpenSSH server configuration as printed by `sshd -T` (run as root; add ' +
    '`-C user=USER,host=HOST,addr=ADDR` to evaluate Match blocks for a connection). A plain ' +
    'sshd_config file is also accepted; its Match blocks are kept separately.',
  parse: parseSshdConfig,
  factsSchema: sshdConfigFactsSchema,
  diff: diffSshd,
};

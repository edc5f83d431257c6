import type { ConfigChange } from '../config-document.model';
import type { ConfigKindHandler } from '../config-kind-handler';
import {
  documentLines,
  fileMarker,
  parseInteger,
  ProblemList,
  quote,
  record,
  requireContent,
  splitWords,
} from './document-lines';
import { diffSettings } from './settings-diff';

const LOG_FORMATS = ['RAW', 'ENRICHED', 'NOLOG'] as const;
const FLUSH_MODES = ['NONE', 'INCREMENTAL', 'INCREMENTAL_ASYNC', 'DATA', 'SYNC'] as const;
const ACTIONS = [
  'IGNORE',
  'SYSLOG',
  'ROTATE',
  'EMAIL',
  'EXEC',
  'SUSPEND',
  'SINGLE',
  'HALT',
  'KEEP_LOGS',
] as const;
export type AuditdAction = (typeof ACTIONS)[number];

/** A file watch: `-w /etc/passwd -p wa -k identity` (permissions default to rwxa, as auditctl's). */
export interface AuditWatch {
  path: string;
  permissions: string;
  key?: string;
}

/**
 * auditd.conf plus, optionally, the loaded audit rules. `settings` holds every key lowercased
 * (auditd reads keys and keyword values case-insensitively); action values keep their argument
 * (`exec /usr/sbin/notify`) while the typed field names the action (`EXEC`).
 */
export interface AuditdFacts {
  settings: Record<string, string>;
  logFile?: string;
  logFormat?: (typeof LOG_FORMATS)[number];
  logGroup?: string;
  writeLogs?: boolean;
  flush?: (typeof FLUSH_MODES)[number];
  freq?: number;
  /** Megabytes. */
  maxLogFile?: number;
  maxLogFileAction?: AuditdAction;
  numLogs?: number;
  /** Megabytes, or a percentage of the partition as `25%`. */
  spaceLeft?: number | string;
  spaceLeftAction?: AuditdAction;
  adminSpaceLeft?: number | string;
  adminSpaceLeftAction?: AuditdAction;
  diskFullAction?: AuditdAction;
  diskErrorAction?: AuditdAction;
  actionMailAcct?: string;
  localEvents?: boolean;
  priorityBoost?: number;
  /** Present when the document has a rules section: each rule, whitespace normalised. */
  rules?: string[];
  watches?: AuditWatch[];
}

type ActionField =
  'maxLogFileAction' | 'spaceLeftAction' | 'adminSpaceLeftAction' | 'diskFullAction' | 'diskErrorAction';
const ACTION_KEYS: Record<string, ActionField> = {
  max_log_file_action: 'maxLogFileAction',
  space_left_action: 'spaceLeftAction',
  admin_space_left_action: 'adminSpaceLeftAction',
  disk_full_action: 'diskFullAction',
  disk_error_action: 'diskErrorAction',
};
type NumberField = 'freq' | 'maxLogFile' | 'numLogs' | 'priorityBoost';
const NUMBER_KEYS: Record<string, NumberField | undefined> = {
  freq: 'freq',
  max_log_file: 'maxLogFile',
  num_logs: 'numLogs',
  priority_boost: 'priorityBoost',
  q_depth: undefined,
  tcp_listen_port: undefined,
  tcp_listen_queue: undefined,
  tcp_max_per_addr: undefined,
  tcp_client_max_idle: undefined,
  max_restarts: undefined,
};
const BOOLEAN_KEYS: Record<string, 'writeLogs' | 'localEvents'> = {
  write_logs: 'writeLogs',
  local_events: 'localEvents',
};

/**
 * Parses /etc/audit/auditd.conf (`key = value`, spaces around `=` optional; `#` comments). The same document may carry the
 * audit rules: a `# file: PATH` line whose path is under rules.d or ends in `.rules`, or a
 * `# auditctl -l` line, starts a rules section (auditctl syntax, one rule a line; `No rules`
 * as auditctl prints it is accepted); a `# file:` line naming any other file goes back to
 * `key = value` lines.
 */
export function parseAuditd(content: string): AuditdFacts {
  const problems = new ProblemList('auditd');
  const settings = record<string>();
  let rules: string[] | undefined;
  const watches: AuditWatch[] = [];
  let inRules = false;

  for (const { number, text } of documentLines('auditd', content)) {
    const line = text.trim();
    const marker = fileMarker(line);
    if (marker !== undefined) inRules = /\/rules\.d\/|\.rules$/.test(marker);
    if (/^#\s*auditctl\s+-l\s*$/.test(line)) inRules = true;
    if (inRules) rules ??= [];
    if (line === '' || line.startsWith('#')) continue;

    if (inRules) {
      if (line === 'No rules') continue;
      const words = splitWords(line, true);
      if (!words.ok) {
        problems.add(number, words.reason);
        continue;
      }
      const rule = checkRule(words.tokens);
      if (typeof rule === 'string') problems.add(number, rule);
      else {
        (rules ??= []).push(words.tokens.join(' '));
        if (rule) watches.push(rule);
      }
      continue;
    }
    const kv = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/.exec(line);
    if (!kv) {
      problems.add(
        number,
        line.startsWith('-')
          ? `an audit rule outside a rules section: put "# file: /etc/audit/rules.d/audit.rules" or "# auditctl -l" before the rules`
          : `not a "key = value" line: ${quote(line)}`,
      );
      continue;
    }
    const key = kv[1].toLowerCase();
    const value = kv[2].trim();
    if (value === '') {
      problems.add(number, `${kv[1]} has no value`);
      continue;
    }
    const reason = checkSetting(key, kv[1], value);
    if (reason) problems.add(number, reason);
    else settings[key] = value;
  }
  problems.throwIfAny();
  requireContent('auditd', Object.keys(settings).length > 0 || rules !== undefined);
  return typedFacts(settings, rules, watches);
}

function checkSetting(key: string, name: string, value: string): string | undefined {
  if (Object.hasOwn(ACTION_KEYS, key)) {
    const [action, ...rest] = value.split(/[ \t]+/);
    const upper = action.toUpperCase();
    if (!(ACTIONS as readonly string[]).includes(upper))
      return `${name} must be one of ${ACTIONS.join(', ')}, not ${quote(value)}`;
    if (upper === 'EXEC' && rest.length === 0) return `${name} exec needs the path of a program`;
    return undefined;
  }
  if (Object.hasOwn(NUMBER_KEYS, key)) {
    return parseInteger(value) === undefined
      ? `${name} must be a whole number, not ${quote(value)}`
      : undefined;
  }
  if (key === 'space_left' || key === 'admin_space_left') {
    return /^\d{1,15}%?$/.test(value)
      ? undefined
      : `${name} must be megabytes or a percentage such as 25%, not ${quote(value)}`;
  }
  if (Object.hasOwn(BOOLEAN_KEYS, key)) {
    return /^(yes|no)$/i.test(value) ? undefined : `${name} must be yes or no, not ${quote(value)}`;
  }
  if (key === 'log_format') {
    return (LOG_FORMATS as readonly string[]).includes(value.toUpperCase())
      ? undefined
      : `${name} must be one of ${LOG_FORMATS.join(', ')}, not ${quote(value)}`;
  }
  if (key === 'flush') {
    return (FLUSH_MODES as readonly string[]).includes(value.toUpperCase())
      ? undefined
      : `${name} must be one of ${FLUSH_MODES.join(', ')}, not ${quote(value)}`;
  }
  return undefined;
}

const FIELD_OPERATOR = /^([A-Za-z0-9_]+)(!=|<=|>=|&=|=|<|>|&)(.*)$/;

/**
 * Checks one auditctl rule; returns the watch it sets (a `-w` rule, or a `-F path=`/`-F dir=`
 * rule without syscalls, which auditctl -l may print for a watch), null for another valid
 * rule, or the reason it is wrong.
 */
function checkRule(tokens: string[]): AuditWatch | null | string {
  if (!tokens[0].startsWith('-'))
    return `not an auditctl rule (rules start with an option such as -w or -a): ${quote(tokens.join(' '))}`;
  let watchPath: string | undefined;
  let permissions: string | undefined;
  let key: string | undefined;
  let hasSyscall = false;
  for (let i = 0; i < tokens.length; i++) {
    const option = tokens[i];
    if (!option.startsWith('-')) return `expected an option, found ${quote(option)}`;
    const needsValue = [
      '-w',
      '-W',
      '-p',
      '-k',
      '-a',
      '-A',
      '-d',
      '-F',
      '-S',
      '-e',
      '-f',
      '-b',
      '-r',
      '-C',
      '-M',
      '--backlog_wait_time',
    ];
    if (!needsValue.includes(option)) continue;
    const value = tokens[++i];
    if (value === undefined) return `${option} needs a value`;
    switch (option) {
      case '-w':
        watchPath = value;
        break;
      case '-p':
        if (!/^[rwxa]{1,4}$/.test(value))
          return `-p must be permissions from r, w, x, a, not ${quote(value)}`;
        permissions = value;
        break;
      case '-k':
        key = value;
        break;
      case '-a':
      case '-A':
      case '-d':
        if (
          !/^(always|never),(task|exit|user|exclude|filesystem|io_uring)$|^(task|exit|user|exclude|filesystem|io_uring),(always|never)$/.test(
            value,
          )
        ) {
          return `${option} must be action,list such as always,exit, not ${quote(value)}`;
        }
        break;
      case '-F': {
        const field = FIELD_OPERATOR.exec(value);
        if (!field) return `-F must be field, operator and value such as auid>=1000, not ${quote(value)}`;
        const [, name, op, fieldValue] = field;
        if (op === '=' && (name === 'path' || name === 'dir')) watchPath = fieldValue;
        if (op === '=' && name === 'perm') permissions = fieldValue;
        if (op === '=' && name === 'key') key = fieldValue;
        break;
      }
      case '-S':
        hasSyscall = true;
        break;
      case '-e':
      case '-f':
        if (!/^[012]$/.test(value)) return `${option} must be 0, 1 or 2, not ${quote(value)}`;
        break;
      case '-b':
      case '-r':
      case '--backlog_wait_time':
        if (parseInteger(value) === undefined) return `${option} must be a whole number, not ${quote(value)}`;
        break;
      default:
        break;
    }
  }
  if (watchPath === undefined || hasSyscall) return null;
  return { path: watchPath, permissions: permissions ?? 'rwxa', ...(key !== undefined ? { key } : {}) };
}

function typedFacts(
  settings: Record<string, string>,
  rules: string[] | undefined,
  watches: AuditWatch[],
): AuditdFacts {
  const facts: AuditdFacts = { settings };
  const upper = <T>(key: string): T | undefined =>
    Object.hasOwn(settings, key) ? (settings[key].toUpperCase() as T) : undefined;
  const size = (value: string): number | string => (value.endsWith('%') ? value : Number(value));
  if (settings.log_file !== undefined) facts.logFile = settings.log_file;
  if (settings.log_group !== undefined) facts.logGroup = settings.log_group;
  if (settings.action_mail_acct !== undefined) facts.actionMailAcct = settings.action_mail_acct;
  const logFormat = upper<AuditdFacts['logFormat']>('log_format');
  if (logFormat) facts.logFormat = logFormat;
  const flush = upper<AuditdFacts['flush']>('flush');
  if (flush) facts.flush = flush;
  if (settings.space_left !== undefined) facts.spaceLeft = size(settings.space_left);
  if (settings.admin_space_left !== undefined) facts.adminSpaceLeft = size(settings.admin_space_left);
  for (const [key, value] of Object.entries(settings)) {
    if (Object.hasOwn(ACTION_KEYS, key))
      facts[ACTION_KEYS[key]] = value.split(/[ \t]+/)[0].toUpperCase() as AuditdAction;
    else if (Object.hasOwn(BOOLEAN_KEYS, key)) facts[BOOLEAN_KEYS[key]] = value.toLowerCase() === 'yes';
    else if (Object.hasOwn(NUMBER_KEYS, key)) {
      const field = NUMBER_KEYS[key];
      if (field) facts[field] = Number(value);
    }
  }
  if (rules !== undefined) {
    facts.rules = rules;
    facts.watches = watches;
  }
  return facts;
}

const ACTION_SCHEMA = { enum: [...ACTIONS] };
const SIZE_SCHEMA = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^\\d+%$' },
  ],
};
export const auditdFactsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['settings'],
  properties: {
    settings: { type: 'object', additionalProperties: { type: 'string' } },
    logFile: { type: 'string' },
    logFormat: { enum: [...LOG_FORMATS] },
    logGroup: { type: 'string' },
    writeLogs: { type: 'boolean' },
    flush: { enum: [...FLUSH_MODES] },
    freq: { type: 'integer', minimum: 0 },
    maxLogFile: { type: 'integer', minimum: 0 },
    maxLogFileAction: ACTION_SCHEMA,
    numLogs: { type: 'integer', minimum: 0 },
    spaceLeft: SIZE_SCHEMA,
    spaceLeftAction: ACTION_SCHEMA,
    adminSpaceLeft: SIZE_SCHEMA,
    adminSpaceLeftAction: ACTION_SCHEMA,
    diskFullAction: ACTION_SCHEMA,
    diskErrorAction: ACTION_SCHEMA,
    actionMailAcct: { type: 'string' },
    localEvents: { type: 'boolean' },
    priorityBoost: { type: 'integer', minimum: 0 },
    rules: { type: 'array', items: { type: 'string' } },
    watches: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'permissions'],
        properties: { path: { type: 'string' }, permissions: { type: 'string' }, key: { type: 'string' } },
      },
    },
  },
} as const;

/** Setting drift, plus each audit rule added or removed (rules compare as a set of lines). */
function diffAuditd(before: AuditdFacts, after: AuditdFacts): ConfigChange[] {
  const changes = diffSettings(before.settings, after.settings);
  const was = new Set(before.rules ?? []);
  const now = new Set(after.rules ?? []);
  for (const rule of [...was].filter((r) => !now.has(r)).sort()) {
    changes.push({
      type: 'rule-removed',
      path: 'audit.rules',
      from: rule,
      description: `audit rule removed: ${rule}`,
    });
  }
  for (const rule of [...now].filter((r) => !was.has(r)).sort()) {
    changes.push({
      type: 'rule-added',
      path: 'audit.rules',
      to: rule,
      description: `audit rule added: ${rule}`,
    });
  }
  return changes;
}

export const auditdHandler: ConfigKindHandler<AuditdFacts> = {
  kind: 'auditd',
  description:
    'The content of /etc/audit/auditd.conf, optionally followed by the audit rules: a "# file: ' +
    '/etc/audit/rules.d/NAME.rules" line before each rules file, or "# auditctl -l" before the output of `auditctl -l`.',
  parse: parseAuditd,
  factsSchema: auditdFactsSchema,
  diff: diffAuditd,
};

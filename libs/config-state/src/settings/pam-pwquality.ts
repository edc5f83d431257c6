import type { ConfigChange } from '../config-document.model';
import type { ConfigKindHandler } from '../config-kind-handler';
import {
  documentLines,
  fileMarker,
  type NumberedLine,
  parseInteger,
  ProblemList,
  quote,
  record,
  requireContent,
} from './document-lines';
import { diffSettings } from './settings-diff';

/** One PAM stack line: `password requisite pam_pwquality.so retry=3 minlen=12`. */
export interface PamModuleLine {
  /** account, auth, password or session; a leading `-` (skip if the module is missing) is kept. */
  type: string;
  /** A keyword (required, requisite...) or a bracketed `[value=action ...]` list as written. */
  control: string;
  /** The module as written, path included if given. */
  module: string;
  args: string[];
  /** The `# file:` marker before the line, when the collector gave one. */
  file?: string;
}

/**
 * Password quality. `settings` holds pwquality.conf as written (keys are not case-folded: the
 * documented ones are lowercase; a bare flag such as `enforce_for_root` is `true`). The typed
 * fields are the values in force for password changes, applied in the order PAM applies them:
 * pwquality.conf first, then the arguments of each `password` line of pam_pwquality or
 * pam_cracklib in document order (a later argument overrides an earlier value; pam_cracklib
 * never reads pwquality.conf but its arguments configure the same checks). `minlen=` of
 * pam_unix raises `minlen` when larger, since every module of the stack must accept the
 * password. `remember` comes from pam_pwhistory or pam_unix.
 */
export interface PamPwqualityFacts {
  settings: Record<string, string | true>;
  pamModules: PamModuleLine[];
  minlen?: number;
  dcredit?: number;
  ucredit?: number;
  lcredit?: number;
  ocredit?: number;
  minclass?: number;
  maxrepeat?: number;
  maxclassrepeat?: number;
  maxsequence?: number;
  difok?: number;
  retry?: number;
  dictcheck?: boolean;
  usercheck?: boolean;
  enforceForRoot?: boolean;
  localUsersOnly?: boolean;
  remember?: number;
}

const INTEGER_OPTIONS = [
  'minlen',
  'dcredit',
  'ucredit',
  'lcredit',
  'ocredit',
  'minclass',
  'maxrepeat',
  'maxclassrepeat',
  'maxsequence',
  'difok',
  'retry',
  'remember',
  'gecoscheck',
  'dictcheck',
  'usercheck',
  'usersubstr',
] as const;
type IntegerOption = Exclude<
  Extract<keyof PamPwqualityFacts, (typeof INTEGER_OPTIONS)[number]>,
  'dictcheck' | 'usercheck'
>;
const NEGATIVE_ALLOWED = new Set(['dcredit', 'ucredit', 'lcredit', 'ocredit']);
const FLAG_OPTIONS: Record<string, 'enforceForRoot' | 'localUsersOnly'> = {
  enforce_for_root: 'enforceForRoot',
  local_users_only: 'localUsersOnly',
};
const PAM_TYPES = /^-?(account|auth|password|session)$/i;
const PAM_CONTROLS = /^(required|requisite|sufficient|optional|include|substack|\[[^\]]*\])$/i;
const QUALITY_MODULES = new Set(['pam_pwquality.so', 'pam_cracklib.so']);

/**
 * Parses pwquality.conf (`key = value`, bare flags), PAM stack lines, or both mixed, as the
 * collector concatenates /etc/security/pwquality.conf and /etc/pam.d/common-password with a
 * `# file: PATH` line before each. `@include` lines are kept as modules of type `@include`.
 */
export function parsePamPwquality(content: string): PamPwqualityFacts {
  const problems = new ProblemList('pam-pwquality');
  const settings = record<string | true>();
  const pamModules: PamModuleLine[] = [];
  let file: string | undefined;

  for (const { number, text } of joinContinuations(documentLines('pam-pwquality', content))) {
    const line = text.trim();
    const marker = fileMarker(line);
    if (marker !== undefined) file = marker;
    if (line === '' || line.startsWith('#')) continue;

    const include = /^@include[ \t]+(\S+)$/.exec(line);
    if (include) {
      pamModules.push({
        type: '@include',
        control: '',
        module: include[1],
        args: [],
        ...(file ? { file } : {}),
      });
      continue;
    }
    const words = pamWords(line);
    if (words.length >= 3 && PAM_TYPES.test(words[0])) {
      const [type, control, module, ...args] = words;
      if (!PAM_CONTROLS.test(control)) {
        problems.add(
          number,
          `PAM control must be required, requisite, sufficient, optional, include, substack or [value=action ...], not ${quote(control)}`,
        );
        continue;
      }
      const reason =
        QUALITY_MODULES.has(baseName(module)) ||
        baseName(module) === 'pam_unix.so' ||
        baseName(module) === 'pam_pwhistory.so'
          ? checkArgs(args)
          : undefined;
      if (reason) problems.add(number, `${baseName(module)}: ${reason}`);
      else pamModules.push({ type: type.toLowerCase(), control, module, args, ...(file ? { file } : {}) });
      continue;
    }
    const kv = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:=[ \t]*(.*))?$/.exec(line);
    if (!kv) {
      problems.add(
        number,
        `neither a pwquality.conf "key = value" line nor a PAM "type control module [args]" line: ${quote(line)}`,
      );
      continue;
    }
    const [, key, rawValue] = kv;
    if (rawValue === undefined) {
      if (Object.hasOwn(FLAG_OPTIONS, key)) settings[key] = true;
      else
        problems.add(
          number,
          `${key} is not a pwquality flag (enforce_for_root, local_users_only); settings need "${key} = value"`,
        );
      continue;
    }
    const value = rawValue.trim();
    if (value === '') {
      problems.add(number, `${key} has no value after "="`);
      continue;
    }
    const reason = checkOption(key, value);
    if (reason) problems.add(number, reason);
    else settings[key] = value;
  }
  problems.throwIfAny();
  requireContent('pam-pwquality', Object.keys(settings).length > 0 || pamModules.length > 0);
  return typedFacts(settings, pamModules);
}

/** PAM joins a line ending in a backslash with the next one. */
function joinContinuations(lines: NumberedLine[]): NumberedLine[] {
  const joined: NumberedLine[] = [];
  let pending: NumberedLine | undefined;
  for (const line of lines) {
    const text = pending ? `${pending.text} ${line.text}` : line.text;
    const start = pending ?? line;
    if (text.endsWith('\\')) pending = { number: start.number, text: text.slice(0, -1) };
    else {
      joined.push({ number: start.number, text });
      pending = undefined;
    }
  }
  if (pending) joined.push(pending);
  return joined;
}

/** Words of a PAM line; `[...]` (control values, module arguments) may contain spaces. */
function pamWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/\[[^\]]*\]?|[^\s[]+(?:\[[^\]]*\]?)?/g)) words.push(match[0]);
  return words;
}

function baseName(module: string): string {
  return module.slice(module.lastIndexOf('/') + 1);
}

function checkArgs(args: string[]): string | undefined {
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) continue;
    const reason = checkOption(arg.slice(0, eq), arg.slice(eq + 1));
    if (reason) return reason;
  }
  return undefined;
}

function checkOption(key: string, value: string): string | undefined {
  if (!(INTEGER_OPTIONS as readonly string[]).includes(key)) return undefined;
  return parseInteger(value, NEGATIVE_ALLOWED.has(key)) === undefined
    ? `${key} must be a whole number${NEGATIVE_ALLOWED.has(key) ? ' (negative allowed)' : ''}, not ${quote(value)}`
    : undefined;
}

function typedFacts(settings: Record<string, string | true>, pamModules: PamModuleLine[]): PamPwqualityFacts {
  const facts: PamPwqualityFacts = { settings, pamModules };
  const apply = (key: string, value: string | true): void => {
    if (Object.hasOwn(FLAG_OPTIONS, key)) {
      facts[FLAG_OPTIONS[key]] = true;
    } else if (value !== true && (key === 'dictcheck' || key === 'usercheck')) {
      facts[key] = Number(value) !== 0;
    } else if (value !== true && Object.hasOwn(integerFields, key)) {
      facts[key as IntegerOption] = Number(value);
    }
  };
  for (const [key, value] of Object.entries(settings)) apply(key, value);
  for (const line of pamModules) {
    if (line.type.replace(/^-/, '') !== 'password') continue;
    const module = baseName(line.module);
    for (const arg of line.args) {
      const eq = arg.indexOf('=');
      const key = eq < 0 ? arg : arg.slice(0, eq);
      const value = eq < 0 ? true : arg.slice(eq + 1);
      if (QUALITY_MODULES.has(module)) apply(key, value);
      else if (key === 'remember' && value !== true) facts.remember = Number(value);
      else if (module === 'pam_unix.so' && key === 'minlen' && value !== true) {
        facts.minlen = Math.max(facts.minlen ?? 0, Number(value));
      }
    }
  }
  return facts;
}

const integerFields: Record<IntegerOption, true> = {
  minlen: true,
  dcredit: true,
  ucredit: true,
  lcredit: true,
  ocredit: true,
  minclass: true,
  maxrepeat: true,
  maxclassrepeat: true,
  maxsequence: true,
  difok: true,
  retry: true,
  remember: true,
};

const integer = { type: 'integer' };
export const pamPwqualityFactsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['settings', 'pamModules'],
  properties: {
    settings: { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { const: true }] } },
    pamModules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'control', 'module', 'args'],
        properties: {
          type: { type: 'string' },
          control: { type: 'string' },
          module: { type: 'string' },
          args: { type: 'array', items: { type: 'string' } },
          file: { type: 'string' },
        },
      },
    },
    minlen: integer,
    dcredit: integer,
    ucredit: integer,
    lcredit: integer,
    ocredit: integer,
    minclass: integer,
    maxrepeat: integer,
    maxclassrepeat: integer,
    maxsequence: integer,
    difok: integer,
    retry: integer,
    remember: integer,
    dictcheck: { type: 'boolean' },
    usercheck: { type: 'boolean' },
    enforceForRoot: { type: 'boolean' },
    localUsersOnly: { type: 'boolean' },
  },
} as const;

/**
 * Drift of pwquality.conf settings and of the PAM `password` stack: each module line keyed
 * `pam:<type> <module>` (` #2` for a second line of the same module) with its control and
 * arguments as the value, so a changed `minlen=` or a removed pam_pwquality line shows.
 */
function diffPam(before: PamPwqualityFacts, after: PamPwqualityFacts): ConfigChange[] {
  const flatten = (facts: PamPwqualityFacts): Record<string, unknown> => {
    const flat: Record<string, unknown> = record();
    Object.assign(flat, facts.settings);
    const seen = new Map<string, number>();
    for (const line of facts.pamModules) {
      const base = `pam:${line.type} ${line.module}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      flat[n > 1 ? `${base} #${n}` : base] = [line.control, ...line.args].filter((w) => w !== '').join(' ');
    }
    return flat;
  };
  return diffSettings(flatten(before), flatten(after));
}

export const pamPwqualityHandler: ConfigKindHandler<PamPwqualityFacts> = {
  kind: 'pam-pwquality',
  description:
    'Password quality settings: /etc/security/pwquality.conf and/or the PAM password stack ' +
    '(/etc/pam.d/common-password or system-auth), concatenated with a "# file: PATH" line before each file.',
  parse: parsePamPwquality,
  factsSchema: pamPwqualityFactsSchema,
  diff: diffPam,
};

import type { ConfigKindHandler } from '../config-kind-handler';
import { documentLines, parseInteger, ProblemList, quote, record, requireContent } from './document-lines';
import { diffSettings } from './settings-diff';

const ENCRYPT_METHODS = ['DES', 'MD5', 'SHA256', 'SHA512', 'BCRYPT', 'YESCRYPT'] as const;

/**
 * /etc/login.defs. `settings` holds every item as shadow's getdef reads it: keys are
 * case-sensitive (shadow compares them exactly), the value is the first word with quotes removed.
 */
export interface LoginDefsFacts {
  settings: Record<string, string>;
  passMinLen?: number;
  passMaxLen?: number;
  /** -1 or 99999 mean no expiry; kept as written for rules to decide. */
  passMaxDays?: number;
  passMinDays?: number;
  passWarnAge?: number;
  encryptMethod?: (typeof ENCRYPT_METHODS)[number];
  sha256CryptMinRounds?: number;
  sha256CryptMaxRounds?: number;
  sha512CryptMinRounds?: number;
  sha512CryptMaxRounds?: number;
  yescryptCostFactor?: number;
  /** Octal digits as written (`022`): a number would read as decimal 22. */
  umask?: string;
  loginRetries?: number;
  loginTimeout?: number;
  uidMin?: number;
  uidMax?: number;
  gidMin?: number;
  gidMax?: number;
  failLogEnab?: boolean;
  logUnkfailEnab?: boolean;
  logOkLogins?: boolean;
  createHome?: boolean;
  usergroupsEnab?: boolean;
}

type NumberField =
  | 'passMinLen'
  | 'passMaxLen'
  | 'passMaxDays'
  | 'passMinDays'
  | 'passWarnAge'
  | 'sha256CryptMinRounds'
  | 'sha256CryptMaxRounds'
  | 'sha512CryptMinRounds'
  | 'sha512CryptMaxRounds'
  | 'yescryptCostFactor'
  | 'loginRetries'
  | 'loginTimeout'
  | 'uidMin'
  | 'uidMax'
  | 'gidMin'
  | 'gidMax';
type FlagField = 'failLogEnab' | 'logUnkfailEnab' | 'logOkLogins' | 'createHome' | 'usergroupsEnab';

const NUMBERS: Record<string, { field: NumberField; negative?: boolean }> = {
  PASS_MIN_LEN: { field: 'passMinLen' },
  PASS_MAX_LEN: { field: 'passMaxLen' },
  PASS_MAX_DAYS: { field: 'passMaxDays', negative: true },
  PASS_MIN_DAYS: { field: 'passMinDays', negative: true },
  PASS_WARN_AGE: { field: 'passWarnAge', negative: true },
  SHA_CRYPT_MIN_ROUNDS: { field: 'sha512CryptMinRounds' },
  SHA_CRYPT_MAX_ROUNDS: { field: 'sha512CryptMaxRounds' },
  SHA256_CRYPT_MIN_ROUNDS: { field: 'sha256CryptMinRounds' },
  SHA256_CRYPT_MAX_ROUNDS: { field: 'sha256CryptMaxRounds' },
  SHA512_CRYPT_MIN_ROUNDS: { field: 'sha512CryptMinRounds' },
  SHA512_CRYPT_MAX_ROUNDS: { field: 'sha512CryptMaxRounds' },
  YESCRYPT_COST_FACTOR: { field: 'yescryptCostFactor' },
  LOGIN_RETRIES: { field: 'loginRetries' },
  LOGIN_TIMEOUT: { field: 'loginTimeout' },
  UID_MIN: { field: 'uidMin' },
  UID_MAX: { field: 'uidMax' },
  GID_MIN: { field: 'gidMin' },
  GID_MAX: { field: 'gidMax' },
};
const FLAGS: Record<string, FlagField> = {
  FAILLOG_ENAB: 'failLogEnab',
  LOG_UNKFAIL_ENAB: 'logUnkfailEnab',
  LOG_OK_LOGINS: 'logOkLogins',
  CREATE_HOME: 'createHome',
  USERGROUPS_ENAB: 'usergroupsEnab',
};

/**
 * Parses /etc/login.defs: `KEY value` lines, `#` comment lines. Like shadow, the value is the
 * first word (quotes removed; later words are ignored) and a key given twice keeps the last value.
 */
export function parseLoginDefs(content: string): LoginDefsFacts {
  const problems = new ProblemList('login-defs');
  const settings = record<string>();
  for (const { number, text } of documentLines('login-defs', content)) {
    const line = text.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z][A-Za-z0-9_]*)(?:[ \t]+"?([^"\s]*)"?.*)?$/.exec(line);
    if (!match) {
      problems.add(number, `not a "KEY value" line: ${quote(line)}`);
      continue;
    }
    const [, key, value = ''] = match;
    if (value === '') {
      problems.add(number, `${key} has no value`);
      continue;
    }
    const reason = checkValue(key, value);
    if (reason) problems.add(number, reason);
    else settings[key] = value;
  }
  problems.throwIfAny();
  requireContent('login-defs', Object.keys(settings).length > 0);

  const facts: LoginDefsFacts = { settings };
  for (const [key, value] of Object.entries(settings)) {
    if (Object.hasOwn(NUMBERS, key)) facts[NUMBERS[key].field] = Number(value);
    else if (Object.hasOwn(FLAGS, key)) facts[FLAGS[key]] = value.toLowerCase() === 'yes';
  }
  if (settings.ENCRYPT_METHOD !== undefined) {
    facts.encryptMethod = settings.ENCRYPT_METHOD.toUpperCase() as LoginDefsFacts['encryptMethod'];
  }
  if (settings.UMASK !== undefined) facts.umask = settings.UMASK;
  return facts;
}

function checkValue(key: string, value: string): string | undefined {
  if (Object.hasOwn(NUMBERS, key)) {
    return parseInteger(value, NUMBERS[key].negative) === undefined
      ? `${key} must be a whole number${NUMBERS[key].negative ? ' (or -1)' : ''}, not ${quote(value)}`
      : undefined;
  }
  if (Object.hasOwn(FLAGS, key)) {
    return /^(yes|no)$/i.test(value) ? undefined : `${key} must be yes or no, not ${quote(value)}`;
  }
  if (key === 'ENCRYPT_METHOD') {
    return (ENCRYPT_METHODS as readonly string[]).includes(value.toUpperCase())
      ? undefined
      : `ENCRYPT_METHOD must be one of ${ENCRYPT_METHODS.join(', ')}, not ${quote(value)}`;
  }
  if (key === 'UMASK') {
    return /^[0-7]{1,4}$/.test(value)
      ? undefined
      : `UMASK must be octal digits such as 027, not ${quote(value)}`;
  }
  return undefined;
}

const integer = { type: 'integer' };
const flag = { type: 'boolean' };
export const loginDefsFactsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['settings'],
  properties: {
    settings: { type: 'object', additionalProperties: { type: 'string' } },
    passMinLen: integer,
    passMaxLen: integer,
    passMaxDays: integer,
    passMinDays: integer,
    passWarnAge: integer,
    encryptMethod: { enum: [...ENCRYPT_METHODS] },
    sha256CryptMinRounds: integer,
    sha256CryptMaxRounds: integer,
    sha512CryptMinRounds: integer,
    sha512CryptMaxRounds: integer,
    yescryptCostFactor: integer,
    umask: { type: 'string', pattern: '^[0-7]{1,4}$' },
    loginRetries: integer,
    loginTimeout: integer,
    uidMin: integer,
    uidMax: integer,
    gidMin: integer,
    gidMax: integer,
    failLogEnab: flag,
    logUnkfailEnab: flag,
    logOkLogins: flag,
    createHome: flag,
    usergroupsEnab: flag,
  },
} as const;

export const loginDefsHandler: ConfigKindHandler<LoginDefsFacts> = {
  kind: 'login-defs',
  description:
    'The content of /etc/login.defs (shadow password suite defaults: password ageing, hashing method, UMASK).',
  parse: parseLoginDefs,
  factsSchema: loginDefsFactsSchema,
  diff: (before, after) => diffSettings(before.settings, after.settings),
};

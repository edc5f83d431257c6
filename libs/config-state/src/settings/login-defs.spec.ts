import { ConfigParseError } from '../config-parse-error';
import { loginDefsHandler, parseLoginDefs } from './login-defs';

const DEBIAN = `#
# /etc/login.defs - Configuration control definitions for the login package.
#
MAIL_DIR        /var/mail
FAILLOG_ENAB		yes
LOG_OK_LOGINS		no
ENV_SUPATH	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
UMASK		022
PASS_MAX_DAYS	99999
PASS_MIN_DAYS	0
PASS_WARN_AGE	7
UID_MIN			 1000
LOGIN_RETRIES		5
ENCRYPT_METHOD SHA512
#SHA_CRYPT_MIN_ROUNDS 5000
`;

describe('parseLoginDefs', () => {
  it('reads every item and types the password-policy ones', () => {
    const facts = parseLoginDefs(DEBIAN);
    expect(facts).toEqual({
      settings: {
        MAIL_DIR: '/var/mail',
        FAILLOG_ENAB: 'yes',
        LOG_OK_LOGINS: 'no',
        ENV_SUPATH: 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        UMASK: '022',
        PASS_MAX_DAYS: '99999',
        PASS_MIN_DAYS: '0',
        PASS_WARN_AGE: '7',
        UID_MIN: '1000',
        LOGIN_RETRIES: '5',
        ENCRYPT_METHOD: 'SHA512',
      },
      failLogEnab: true,
      logOkLogins: false,
      umask: '022',
      passMaxDays: 99999,
      passMinDays: 0,
      passWarnAge: 7,
      uidMin: 1000,
      loginRetries: 5,
      encryptMethod: 'SHA512',
    });
  });

  it('reads the value as shadow does: first word, quotes removed, last line of a key wins', () => {
    const facts = parseLoginDefs(
      'PASS_MIN_LEN "12"\nPASS_MAX_DAYS 90 # policy\nPASS_MAX_DAYS 60\nPASS_MIN_DAYS -1\n',
    );
    expect(facts).toMatchObject({ passMinLen: 12, passMaxDays: 60, passMinDays: -1 });
  });

  it('refuses non-numeric numbers, unknown hash methods, bad umasks and keys without values', () => {
    let error: ConfigParseError | undefined;
    try {
      parseLoginDefs(
        'PASS_MAX_DAYS ninety\nENCRYPT_METHOD ROT13\nUMASK 0999\nLOGIN_RETRIES\n= 5\nPASS_MIN_LEN 8\n',
      );
    } catch (e) {
      error = e as ConfigParseError;
    }
    expect(error?.problems).toEqual([
      { line: 1, reason: 'PASS_MAX_DAYS must be a whole number (or -1), not "ninety"' },
      {
        line: 2,
        reason: 'ENCRYPT_METHOD must be one of DES, MD5, SHA256, SHA512, BCRYPT, YESCRYPT, not "ROT13"',
      },
      { line: 3, reason: 'UMASK must be octal digits such as 027, not "0999"' },
      { line: 4, reason: 'LOGIN_RETRIES has no value' },
      { line: 5, reason: 'not a "KEY value" line: "= 5"' },
    ]);
  });

  it('refuses a document of comments only', () => {
    expect(() => parseLoginDefs('# nothing\n')).toThrow('the document has no settings');
  });

  it('reports a changed item by its key', () => {
    const before = parseLoginDefs('PASS_MAX_DAYS 90\n');
    const after = parseLoginDefs('PASS_MAX_DAYS 99999\nPASS_MIN_LEN 8\n');
    expect(loginDefsHandler.diff(before, after).map((c) => c.description)).toEqual([
      'PASS_MAX_DAYS changed from 90 to 99999',
      'PASS_MIN_LEN added: 8',
    ]);
  });
});

import Ajv from 'ajv';

import { CONFIG_KINDS } from '../config-document.model';
import type { ConfigKindHandler } from '../config-kind-handler';
import { ConfigParseError } from '../config-parse-error';
import {
  auditdHandler,
  chronyHandler,
  loginDefsHandler,
  ntpHandler,
  pamPwqualityHandler,
  rsyslogHandler,
  sshdConfigHandler,
} from './index';

/** A rich document per handler, setting as many typed fields as the format has. */
const SAMPLES: [ConfigKindHandler<object>, string][] = [
  [
    sshdConfigHandler,
    'port 22\nport 2200\nlistenaddress 0.0.0.0:22\npermitrootlogin no\npasswordauthentication no\n' +
      'kbdinteractiveauthentication no\npubkeyauthentication yes\npermitemptypasswords no\nhostbasedauthentication no\n' +
      'ignorerhosts yes\nx11forwarding no\nusepam yes\nstrictmodes yes\nallowagentforwarding no\nallowtcpforwarding local\n' +
      'gatewayports no\npermittunnel no\nauthenticationmethods publickey,password publickey\nciphers aes256-ctr\n' +
      'macs hmac-sha2-512\nkexalgorithms curve25519-sha256\nhostkeyalgorithms ssh-ed25519\npubkeyacceptedalgorithms ssh-ed25519\n' +
      'maxauthtries 4\nmaxsessions 2\nlogingracetime 60\nclientaliveinterval 300\nclientalivecountmax 0\nloglevel VERBOSE\n' +
      'banner /etc/issue.net\nallowusers alice\nallowgroups ssh\ndenyusers root\ndenygroups nogroup\n' +
      'Match Group admins\n  PermitTTY yes\n',
  ],
  [
    loginDefsHandler,
    'PASS_MIN_LEN 12\nPASS_MAX_LEN 64\nPASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nENCRYPT_METHOD yescrypt\n' +
      'SHA_CRYPT_MIN_ROUNDS 5000\nSHA256_CRYPT_MAX_ROUNDS 9000\nYESCRYPT_COST_FACTOR 5\nUMASK 027\nLOGIN_RETRIES 3\n' +
      'LOGIN_TIMEOUT 60\nUID_MIN 1000\nUID_MAX 60000\nGID_MIN 1000\nGID_MAX 60000\nFAILLOG_ENAB yes\nLOG_UNKFAIL_ENAB no\n' +
      'LOG_OK_LOGINS yes\nCREATE_HOME yes\nUSERGROUPS_ENAB yes\n',
  ],
  [
    pamPwqualityHandler,
    '# file: /etc/security/pwquality.conf\nminlen = 14\ndcredit = -1\nucredit = -1\nlcredit = -1\nocredit = -1\nminclass = 4\n' +
      'maxrepeat = 3\nmaxclassrepeat = 4\nmaxsequence = 3\ndifok = 5\nretry = 3\ndictcheck = 1\nusercheck = 1\n' +
      'enforce_for_root\nlocal_users_only\nbadwords = acme\n# file: /etc/pam.d/common-password\n' +
      'password requisite pam_pwquality.so retry=3\npassword required pam_pwhistory.so remember=24 use_authtok\n' +
      '-session optional pam_systemd.so\n',
  ],
  [
    chronyHandler,
    'pool pool.ntp.org iburst\nserver 10.0.0.1 prefer\npeer 10.0.0.2\nrefclock SHM 0 refid GPS\nmakestep 1.0 3\nrtcsync\n',
  ],
  [
    ntpHandler,
    'server 10.0.0.1 iburst\npool pool.ntp.org\npeer 10.0.0.2\nserver 127.127.1.0\nrestrict default ignore\ndriftfile /var/lib/ntp/drift\n',
  ],
  [
    auditdHandler,
    'log_file = /var/log/audit/audit.log\nlog_format = RAW\nlog_group = root\nwrite_logs = yes\nflush = SYNC\nfreq = 0\n' +
      'max_log_file = 32\nmax_log_file_action = KEEP_LOGS\nnum_logs = 10\nspace_left = 25%\nspace_left_action = SYSLOG\n' +
      'admin_space_left = 50\nadmin_space_left_action = SINGLE\ndisk_full_action = HALT\ndisk_error_action = SYSLOG\n' +
      'action_mail_acct = root\nlocal_events = yes\npriority_boost = 4\n# auditctl -l\n-w /etc/sudoers -p wa -k scope\n',
  ],
  [
    rsyslogHandler,
    '$ModLoad imuxsock\n$IncludeConfig /etc/rsyslog.d/*.conf\n*.* @@logs.example.com:6514\n' +
      'action(type="omfwd" target="siem" port="514" protocol="tcp" StreamDriverMode="1")\n',
  ],
];

const ajv = new Ajv({ allErrors: true, strict: true });

/** A small seeded generator, so a fuzz failure can be replayed. */
function generator(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
}

/** Garbled variants of a valid document: cut, spliced, byte-flipped, binary, one huge line. */
function garbled(valid: string, seed: number): string[] {
  const random = generator(seed);
  const variants: string[] = [
    '',
    '\n\n',
    '\uFEFF',
    '\0',
    'x'.repeat(100_000),
    `${valid}\n${'a '.repeat(20_000)}\n`,
  ];
  for (let n = 0; n < 150; n++) {
    const chars = [...valid];
    const edits = 1 + random(6);
    for (let e = 0; e < edits; e++) {
      const at = random(chars.length + 1);
      switch (random(5)) {
        case 0:
          chars.splice(at, 1 + random(10));
          break;
        case 1:
          chars.splice(at, 0, String.fromCharCode(random(0x250)));
          break;
        case 2:
          chars.splice(at, 0, ...'=(){}[]"\'#\\@,;:-$&|*'.charAt(random(21)));
          break;
        case 3:
          chars.splice(at, 0, ...valid.slice(random(valid.length), random(valid.length)));
          break;
        default:
          chars.splice(at, 0, '\n');
          break;
      }
    }
    variants.push(chars.join(''));
  }
  variants.push(Array.from({ length: 2000 }, () => String.fromCharCode(1 + random(0xff))).join(''));
  return variants;
}

describe('config kind handlers', () => {
  it('cover each settings kind once, with a description', () => {
    expect(SAMPLES.map(([h]) => h.kind)).toEqual([
      'sshd-config',
      'login-defs',
      'pam-pwquality',
      'chrony',
      'ntp',
      'auditd',
      'rsyslog',
    ]);
    for (const [handler] of SAMPLES) {
      expect(CONFIG_KINDS).toContain(handler.kind);
      expect(handler.description.length).toBeGreaterThan(20);
    }
  });

  it.each(SAMPLES.map(([h, doc]) => [h.kind, h, doc] as const))(
    '%s facts satisfy the strict facts schema, which refuses unknown fields',
    (_kind, handler, doc) => {
      const validate = ajv.compile(handler.factsSchema);
      const facts = handler.parse(doc);
      expect(validate(facts) ? [] : validate.errors).toEqual([]);
      expect(validate({ ...facts, surprise: true })).toBe(false);
      // The same document twice is no drift.
      expect(handler.diff(facts, handler.parse(doc))).toEqual([]);
    },
  );

  it.each(SAMPLES.map(([h, doc]) => [h.kind, h, doc] as const))(
    '%s parser answers garbled, binary and huge input with facts that fit its schema or a ConfigParseError only',
    (_kind, handler, doc) => {
      const validate = ajv.compile(handler.factsSchema);
      const valid = handler.parse(doc);
      let refused = 0;
      for (const input of garbled(doc, handler.kind.length)) {
        let facts: object;
        try {
          facts = handler.parse(input);
        } catch (error) {
          if (!(error instanceof ConfigParseError)) throw error;
          expect(error.kind).toBe(handler.kind);
          expect(error.problems.length).toBeGreaterThan(0);
          expect(error.problems.length).toBeLessThanOrEqual(21);
          refused++;
          continue;
        }
        expect(validate(facts) ? [] : validate.errors).toEqual([]);
        expect(Array.isArray(handler.diff(valid, facts))).toBe(true);
      }
      expect(refused).toBeGreaterThan(0);
    },
  );
});

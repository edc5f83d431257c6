import { ConfigParseError } from '../config-parse-error';
import { auditdHandler, parseAuditd } from './auditd';

const CONF = `#
# This file controls the configuration of the audit daemon
#
local_events = yes
write_logs = yes
log_file = /var/log/audit/audit.log
log_group = adm
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 8
num_logs = 5
priority_boost = 4
max_log_file_action = ROTATE
space_left = 75
space_left_action = email
action_mail_acct = root
admin_space_left = 5%
admin_space_left_action = exec /usr/local/sbin/audit-full
disk_full_action = SUSPEND
disk_error_action = SUSPEND
`;

describe('parseAuditd', () => {
  it('reads auditd.conf into every setting plus typed fields', () => {
    expect(parseAuditd(CONF)).toMatchObject({
      logFile: '/var/log/audit/audit.log',
      logGroup: 'adm',
      logFormat: 'ENRICHED',
      flush: 'INCREMENTAL_ASYNC',
      freq: 50,
      maxLogFile: 8,
      numLogs: 5,
      priorityBoost: 4,
      maxLogFileAction: 'ROTATE',
      spaceLeft: 75,
      spaceLeftAction: 'EMAIL',
      actionMailAcct: 'root',
      adminSpaceLeft: '5%',
      adminSpaceLeftAction: 'EXEC',
      diskFullAction: 'SUSPEND',
      diskErrorAction: 'SUSPEND',
      localEvents: true,
      writeLogs: true,
      settings: { admin_space_left_action: 'exec /usr/local/sbin/audit-full', space_left_action: 'email' },
    });
    expect(parseAuditd(CONF).rules).toBeUndefined();
  });

  it('reads audit rules after a rules file marker or an auditctl -l marker, watches included', () => {
    const facts = parseAuditd(
      `${CONF}# file: /etc/audit/rules.d/50-identity.rules\n-w /etc/passwd -p wa -k identity\n-w /etc/shadow\n` +
        `# auditctl -l\n-a always,exit -F arch=b64 -S adjtimex,settimeofday -F key=time-change\n` +
        `-a always,exit -F path=/etc/sudoers -F perm=wa -F key=scope\n-e 2\n`,
    );
    expect(facts.rules).toEqual([
      '-w /etc/passwd -p wa -k identity',
      '-w /etc/shadow',
      '-a always,exit -F arch=b64 -S adjtimex,settimeofday -F key=time-change',
      '-a always,exit -F path=/etc/sudoers -F perm=wa -F key=scope',
      '-e 2',
    ]);
    expect(facts.watches).toEqual([
      { path: '/etc/passwd', permissions: 'wa', key: 'identity' },
      { path: '/etc/shadow', permissions: 'rwxa' },
      { path: '/etc/sudoers', permissions: 'wa', key: 'scope' },
    ]);
  });

  it('accepts auditctl saying it has no rules', () => {
    expect(parseAuditd('log_file = /var/log/audit/audit.log\n# auditctl -l\nNo rules\n')).toMatchObject({
      rules: [],
      watches: [],
    });
  });

  it('goes back to key = value lines after a marker naming another file', () => {
    const facts = parseAuditd(
      '# file: /etc/audit/audit.rules\n-w /etc/group -p wa\n# file: /etc/audit/auditd.conf\nnum_logs = 3\n',
    );
    expect(facts).toMatchObject({ numLogs: 3, rules: ['-w /etc/group -p wa'] });
  });

  it('refuses wrong values and malformed rules, pointing at a rule outside a rules section', () => {
    let error: ConfigParseError | undefined;
    try {
      parseAuditd(
        'num_logs = many\nspace_left_action = panic\nadmin_space_left_action = exec\nlog_format = XML\n-w /etc/passwd\n' +
          '# auditctl -l\n-w /etc/passwd -p rz\n-a sometimes,exit\n-F auid\nwatch /etc\n-k\n',
      );
    } catch (e) {
      error = e as ConfigParseError;
    }
    expect(error?.problems).toEqual([
      { line: 1, reason: 'num_logs must be a whole number, not "many"' },
      {
        line: 2,
        reason:
          'space_left_action must be one of IGNORE, SYSLOG, ROTATE, EMAIL, EXEC, SUSPEND, SINGLE, HALT, KEEP_LOGS, not "panic"',
      },
      { line: 3, reason: 'admin_space_left_action exec needs the path of a program' },
      { line: 4, reason: 'log_format must be one of RAW, ENRICHED, NOLOG, not "XML"' },
      {
        line: 5,
        reason:
          'an audit rule outside a rules section: put "# file: /etc/audit/rules.d/audit.rules" or "# auditctl -l" before the rules',
      },
      { line: 7, reason: '-p must be permissions from r, w, x, a, not "rz"' },
      { line: 8, reason: '-a must be action,list such as always,exit, not "sometimes,exit"' },
      { line: 9, reason: '-F must be field, operator and value such as auid>=1000, not "auid"' },
      {
        line: 10,
        reason: 'not an auditctl rule (rules start with an option such as -w or -a): "watch /etc"',
      },
      { line: 11, reason: '-k needs a value' },
    ]);
  });

  it('reports changed settings and added or removed rules', () => {
    const before = parseAuditd('disk_full_action = HALT\n# auditctl -l\n-w /etc/passwd -p wa -k identity\n');
    const after = parseAuditd('disk_full_action = IGNORE\n# auditctl -l\n-w /etc/shadow -p wa -k identity\n');
    expect(auditdHandler.diff(before, after).map((c) => [c.type, c.description])).toEqual([
      ['setting-changed', 'disk_full_action changed from HALT to IGNORE'],
      ['rule-removed', 'audit rule removed: -w /etc/passwd -p wa -k identity'],
      ['rule-added', 'audit rule added: -w /etc/shadow -p wa -k identity'],
    ]);
  });
});

import { ConfigParseError } from '../config-parse-error';
import { parseRsyslog, rsyslogHandler } from './rsyslog';

const CONF = `# /etc/rsyslog.conf
module(load="imuxsock") # local system logging support
module(load="imklog")
$ModLoad imudp.so
$IncludeConfig /etc/rsyslog.d/*.conf
global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="/etc/ssl/ca.pem")
$FileCreateMode 0640

/* Legacy forwarding */
*.* @logs.example.com:514
auth,authpriv.* @@(o)10.0.0.5:10514;RSYSLOG_ForwardFormat
& :omrelp:relp.example.com:2514
$ActionSendStreamDriverMode 1
kern.warning;mail.none @@[2001:db8::5]:6514
auth.*  /var/log/auth.log
:programname, isequal, "sshd" @@ssh-logs.example.com

action(type="omfwd" target="siem.example.com" port="6514" protocol="tcp"
       StreamDriver="gtls" StreamDriverMode="1"
       StreamDriverAuthMode="x509/name")
if $programname == 'sudo' then {
  action(type="omrelp" target="relp2.example.com" port="2514" tls="on")
  stop
}
ruleset(name="remote") {
  action(type="omfwd" target=["a.example", "b.example"] protocol="udp")
}
include(file="/etc/rsyslog.d/extra.conf")
`;

describe('parseRsyslog', () => {
  it('reads legacy and RainerScript forwarding, modules and includes', () => {
    const facts = parseRsyslog(CONF);
    expect(facts.forwarding).toEqual([
      { selector: '*.*', target: 'logs.example.com', port: 514, protocol: 'udp', tls: false },
      { selector: 'auth,authpriv.*', target: '10.0.0.5', port: 10514, protocol: 'tcp', tls: false },
      { selector: 'auth,authpriv.*', target: 'relp.example.com', port: 2514, protocol: 'relp', tls: false },
      { selector: 'kern.warning;mail.none', target: '2001:db8::5', port: 6514, protocol: 'tcp', tls: true },
      {
        selector: ':programname, isequal, "sshd"',
        target: 'ssh-logs.example.com',
        protocol: 'tcp',
        tls: true,
      },
      { selector: '*.*', target: 'siem.example.com', port: 6514, protocol: 'tcp', tls: true },
      {
        selector: "if $programname == 'sudo'",
        target: 'relp2.example.com',
        port: 2514,
        protocol: 'relp',
        tls: true,
      },
      { selector: 'ruleset remote', target: 'a.example', protocol: 'udp', tls: false },
      { selector: 'ruleset remote', target: 'b.example', protocol: 'udp', tls: false },
    ]);
    expect(facts.modules).toEqual(['imuxsock', 'imklog', 'imudp']);
    expect(facts.includes).toEqual(['/etc/rsyslog.d/*.conf', '/etc/rsyslog.d/extra.conf']);
    expect(facts.settings).toEqual({
      'global.defaultnetstreamdriver': ['gtls'],
      'global.defaultnetstreamdrivercafile': ['/etc/ssl/ca.pem'],
      filecreatemode: ['0640'],
      actionsendstreamdrivermode: ['1'],
    });
  });

  it('reads an action after a legacy selector and an if ... then on one line', () => {
    const facts = parseRsyslog(
      '*.info action(type="omfwd" target="h1" port="514")\nif $msg contains "x" then @@h2:601\n',
    );
    expect(facts.forwarding).toEqual([
      { selector: '*.info', target: 'h1', port: 514, protocol: 'udp', tls: false },
      { selector: 'if $msg contains "x"', target: 'h2', port: 601, protocol: 'tcp', tls: false },
    ]);
  });

  it('refuses bad ports, missing targets, unclosed objects and lines that are no rsyslog statement', () => {
    let error: ConfigParseError | undefined;
    try {
      parseRsyslog(
        '*.* @host:syslog\naction(type="omfwd" port="514")\nthis is not rsyslog\n}\naction(type="omfwd" target="x" protocol="sctp")\nmodule(load="imudp"\n',
      );
    } catch (e) {
      error = e as ConfigParseError;
    }
    expect(error?.problems).toEqual([
      { line: 1, reason: 'forwarding port must be a number 1-65535, not "syslog"' },
      { line: 2, reason: 'action(type="omfwd") needs target="HOST"' },
      {
        line: 3,
        reason: 'not an rsyslog directive, object, filter or "selector action" line: "this is not rsyslog"',
      },
      { line: 4, reason: 'a "}" without an opening "{"' },
      { line: 5, reason: 'action(type="omfwd") protocol must be udp or tcp, not "sctp"' },
      { line: 6, reason: 'module( is not closed with ")"' },
    ]);
  });

  it('reports a forwarding target whose transport changed', () => {
    const before = parseRsyslog('*.* @@logs.example.com:6514\n');
    const after = parseRsyslog('*.* @logs.example.com:514\n');
    expect(rsyslogHandler.diff(before, after).map((c) => c.description)).toEqual([
      'forward *.* -> logs.example.com changed from tcp:6514 plain to udp:514 plain',
    ]);
  });
});

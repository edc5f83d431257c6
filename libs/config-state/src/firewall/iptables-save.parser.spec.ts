import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ConfigParseError } from '../config-parse-error';
import { parseIptablesSave } from './iptables-save.parser';

const fixture = (name: string): string => readFileSync(path.join(__dirname, '__fixtures__', name), 'utf8');

/** The problems a refused document gets, as "line N: reason". */
function problems(content: string): string[] {
  try {
    parseIptablesSave(content);
  } catch (error) {
    if (!(error instanceof ConfigParseError)) throw error;
    return error.problems.map((p) => `line ${p.line}: ${p.reason}`);
  }
  throw new Error('parsed without error');
}

const table = (...rules: string[]): string =>
  [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':SSH - [0:0]',
    ...rules,
    'COMMIT',
    '',
  ].join('\n');

describe('parseIptablesSave', () => {
  it('parses real iptables-nft output of IPv4 and IPv6 tables, with families, hooks and policies', () => {
    const ruleset = parseIptablesSave(fixture('iptables-nft-v4-v6.save'));
    expect(ruleset.backend).toBe('iptables');
    expect(ruleset.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip filter', 'ip nat', 'ip6 filter']);
    const input = ruleset.tables[0]?.chains.find((c) => c.name === 'INPUT');
    expect(input).toMatchObject({ hook: 'input', type: 'filter', priority: 0, policy: 'drop' });
    expect(ruleset.tables[0]?.chains.find((c) => c.name === 'SSH')).toEqual({
      name: 'SSH',
      rules: expect.any(Array),
    });
    expect(ruleset.tables[1]?.chains[0]).toMatchObject({
      name: 'PREROUTING',
      hook: 'prerouting',
      type: 'nat',
      priority: -100,
    });
    expect(input?.rules[1]).toEqual({
      text: '-A INPUT -s 198.18.20.0/24 -p tcp -m tcp --dport 22 -m comment --comment "ssh \\"from\\" corp" -j SSH',
      match: { sources: ['198.18.20.0/24'], protocol: 'tcp', destinationPorts: [{ from: 22, to: 22 }] },
      action: 'jump',
      target: 'SSH',
      comment: 'ssh "from" corp',
    });
    expect(ruleset.tables[2]?.chains[0]?.rules[0]?.match.sources).toEqual(['2001:db8::/32']);
  });

  it('understands negation, multiport lists and ranges, conntrack and state, interfaces and target options', () => {
    const ruleset = parseIptablesSave(
      table(
        '-A INPUT -m state --state NEW,ESTABLISHED -j ACCEPT',
        '-A INPUT ! -s 198.18.0.0/15,198.19.1.1 -p udp -m udp ! --dport 53 -j REJECT --reject-with icmp-port-unreachable',
        '-A INPUT ! -i eth+ -o lo -p tcp -m multiport --dports 80,443,8000:8100 -m multiport --sports 1024: -j ACCEPT',
        '-A INPUT -p tcp -m multiport ! --ports 22 -j LOG --log-prefix "odd port: " --log-level 4',
        '-A INPUT ! -p tcp -m conntrack ! --ctstate INVALID -j DROP',
        '-A INPUT -p tcp --dport :1023 -g SSH',
        '-A INPUT -p 6 -j DNAT --to-destination 198.18.1.1:8080',
        '-A INPUT -s 198.18.1.1',
      ),
    );
    const rules = ruleset.tables[0]?.chains[0]?.rules ?? [];
    expect(rules.map((r) => [r.match, r.action, r.target])).toEqual([
      [{ states: ['new', 'established'] }, 'accept', undefined],
      [
        {
          sources: ['198.18.0.0/15', '198.19.1.1/32'],
          sourcesNegated: true,
          protocol: 'udp',
          destinationPorts: [{ from: 53, to: 53 }],
          destinationPortsNegated: true,
        },
        'reject',
        undefined,
      ],
      [
        {
          inInterfaces: ['eth+'],
          inInterfacesNegated: true,
          outInterfaces: ['lo'],
          protocol: 'tcp',
          destinationPorts: [
            { from: 80, to: 80 },
            { from: 443, to: 443 },
            { from: 8000, to: 8100 },
          ],
          sourcePorts: [{ from: 1024, to: 65535 }],
        },
        'accept',
        undefined,
      ],
      [{ protocol: 'tcp', ports: [{ from: 22, to: 22 }], portsNegated: true }, 'log', undefined],
      [
        { protocol: 'tcp', protocolNegated: true, states: ['invalid'], statesNegated: true },
        'drop',
        undefined,
      ],
      [{ protocol: 'tcp', destinationPorts: [{ from: 0, to: 1023 }] }, 'goto', 'SSH'],
      [{ protocol: 'tcp' }, 'other', 'DNAT'],
      [{ sources: ['198.18.1.1/32'] }, 'other', undefined],
    ]);
  });

  it('keeps matches it does not model verbatim in unsupported', () => {
    const ruleset = parseIptablesSave(
      table(
        '-A INPUT -p tcp -m tcp --dport 22 --tcp-flags SYN,ACK SYN -m recent --rcheck --seconds 60 --name ssh -j DROP',
        '-A INPUT -m set ! --match-set blocked src -m limit --limit 5/min -f -j DROP',
        '-A INPUT -p icmp -m icmp --icmp-type 8 -m comment --comment "ping" -j ACCEPT',
      ),
    );
    const rules = ruleset.tables[0]?.chains[0]?.rules ?? [];
    expect(rules.map((r) => r.match.unsupported)).toEqual([
      ['-m tcp --tcp-flags SYN,ACK SYN', '-m recent --rcheck --seconds 60 --name ssh'],
      ['-m set ! --match-set blocked src', '-m limit --limit 5/min', '-f'],
      ['-m icmp --icmp-type 8'],
    ]);
    expect(rules[0]?.match.destinationPorts).toEqual([{ from: 22, to: 22 }]);
    expect(rules[2]?.comment).toBe('ping');
  });

  it('reads iptables-save -c output and -N chain declarations, dropping counters from rule text', () => {
    const ruleset = parseIptablesSave(
      [
        '*filter',
        ':INPUT ACCEPT [10:2000]',
        '-N LOGDROP',
        '[5:300] -A INPUT -p tcp --dport 23 -j LOGDROP',
        '[0:0] -A LOGDROP -j DROP',
        'COMMIT',
      ].join('\r\n'),
    );
    const [input, logdrop] = ruleset.tables[0]?.chains ?? [];
    expect(input?.rules[0]).toMatchObject({
      text: '-A INPUT -p tcp --dport 23 -j LOGDROP',
      action: 'jump',
      target: 'LOGDROP',
    });
    expect(logdrop?.rules[0]?.action).toBe('drop');
  });

  it('takes the family from ip6tables-save headers and IPv6 addresses', () => {
    const v6 =
      '# Generated by ip6tables-save v1.8.9\n*filter\n:INPUT DROP [0:0]\n-A INPUT -p ipv6-icmp -j ACCEPT\nCOMMIT\n';
    expect(parseIptablesSave(v6).tables[0]).toMatchObject({
      family: 'ip6',
      chains: [{ rules: [{ match: { protocol: 'icmpv6' } }] }],
    });
    expect(problems(v6.replace('-p ipv6-icmp', '-s 198.18.0.1'))).toEqual([
      'line 4: -s 198.18.0.1: IPv4 in table filter, which is IPv6 (ip6tables) by its "Generated by" header',
    ]);
  });

  it('refuses documents that are not iptables-save output, naming each line and what is wrong', () => {
    expect(problems('')).toEqual([
      'line 1: empty document: no "*table" line (expected iptables-save output)',
    ]);
    expect(problems('# only a comment\n')).toEqual([
      'line 1: empty document: no "*table" line (expected iptables-save output)',
    ]);
    expect(problems('-A INPUT -j ACCEPT\n*filter\n:INPUT ACCEPT [0:0]\n')).toEqual([
      'line 1: text outside a table (expected "*filter" or another "*table" line first): -A INPUT -j ACCEPT',
      'line 2: table filter has no COMMIT line',
    ]);
    expect(
      problems(
        table(
          '-A NOPE -j ACCEPT',
          ':BROKEN',
          '-A INPUT -s 198.18.0.300 -j ACCEPT',
          '-A INPUT -s',
          '-A INPUT -p tcp --dport 70000 -j ACCEPT',
          '-A INPUT -p tcp -m multiport --dports 80,x -j ACCEPT',
          '-A INPUT -m comment --comment "unterminated -j ACCEPT',
          '-A INPUT -j ACCEPT extra',
          '-A INPUT -j nosuchchain',
          '-A INPUT -p tcp --dport 90:80 -j ACCEPT',
          '-A INPUT -m conntrack --ctstate NEW,BOGUS -j ACCEPT',
          '-A INPUT -j REJECT --reject-with',
          '-A INPUT --bogus -j ACCEPT',
        ),
      ),
    ).toEqual([
      'line 6: rule for undeclared chain "NOPE" (declare it with ":NOPE - [0:0]")',
      'line 7: malformed chain line (expected ":NAME POLICY [packets:bytes]"): :BROKEN',
      'line 8: -s: "198.18.0.300" is not an IPv4 or IPv6 address or CIDR',
      'line 9: option -s has no value',
      'line 10: -m tcp --dport: "70000" is not a port or port range (0-65535, "a:b")',
      'line 11: -m multiport --dports: "x" is not a port or port range (0-65535, "a:b")',
      'line 12: unterminated quote starting at column 31',
      'line 13: unexpected argument "extra" after -j ACCEPT',
      'line 15: -m tcp --dport: port range "90:80" is reversed',
      'line 16: -m conntrack --ctstate: unknown state "bogus" (expected NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, SNAT or DNAT)',
      'line 17: -j REJECT --reject-with has no value',
      'line 18: unknown option --bogus',
      'line 14: -j nosuchchain: no chain nosuchchain in table filter',
    ]);
    expect(
      problems(
        '*filter\n:INPUT ACCEPT [0:0]\n:SSH ACCEPT [0:0]\n:INPUT DROP [0:0]\n:OUTPUT - [0:0]\nCOMMIT\n*bogus\nCOMMIT\n',
      ),
    ).toEqual([
      'line 3: user chain SSH cannot have a policy ("ACCEPT"; expected "-")',
      'line 4: chain INPUT declared twice in table filter',
      'line 5: built-in chain OUTPUT needs policy ACCEPT or DROP, not "-"',
      'line 7: unknown table "bogus" (expected filter, nat, mangle, raw or security)',
      'line 8: COMMIT outside a table',
    ]);
  });

  it('refuses binary content', () => {
    expect(problems('\u0000\u0001\u0002ELF\n')).toEqual([
      'line 1: binary or control characters: not iptables-save text',
    ]);
  });

  it('caps the problems it reports at 20', () => {
    expect(problems(Array.from({ length: 50 }, () => 'garbage').join('\n'))).toHaveLength(20);
  });

  it('only ever throws ConfigParseError on garbled input (fuzz)', () => {
    const base = fixture('iptables-nft-v4-v6.save');
    const pieces = [
      '-A',
      'INPUT',
      '!',
      '-s',
      '-p',
      'tcp',
      '-m',
      'multiport',
      '--dports',
      '"',
      '\\',
      ':',
      ',',
      '-j',
      '-g',
      'SSH',
      '*filter',
      'COMMIT',
      ':X',
      '[0:0]',
      '198.18.0.0/15',
      '::1',
      '\u0000',
      '-c',
      '--comment',
    ];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 2000; round++) {
      const lines = base.split('\n');
      const mutation = random(4);
      const at = random(lines.length);
      if (mutation === 0) lines.splice(at, 1);
      else if (mutation === 1) lines[at] = (lines[at] ?? '').slice(0, random(80));
      else if (mutation === 2)
        lines.splice(at, 0, Array.from({ length: random(8) }, () => pieces[random(pieces.length)]).join(' '));
      else
        lines[at] = (lines[at] ?? '')
          .split('')
          .sort(() => random(3) - 1)
          .join('');
      const content = lines.join('\n');
      try {
        parseIptablesSave(content);
      } catch (error) {
        if (!(error instanceof ConfigParseError)) throw new Error(`${String(error)} on:\n${content}`);
      }
    }
  });
});

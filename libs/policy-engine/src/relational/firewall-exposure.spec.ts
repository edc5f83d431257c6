import { builtInHandler, parseDocument } from '@driftwatch/config-state';
import { compilePolicy, evaluate, PolicyError, type PolicyRule } from '@driftwatch/policy-engine';

const CLEARTEXT = ['tcp/21', 'tcp/23', 'udp/69'];

function allowsPorts(params: Record<string, unknown>): PolicyRule {
  return {
    id: 'test.allows-ports',
    title: 'Ruleset allows a cleartext port',
    requirements: ['PCI DSS v4.0.1 2.2.7'],
    severity: 'high',
    kind: 'firewall-exposure',
    params,
    message: '{{detail.firewall}} lets {{detail.sources}} open {{detail.portKey}} ({{detail.hook}})',
    fixtures: { pass: [{}], fail: [{}] },
    source: 'inline/allows-ports.yaml',
  };
}

/** Findings of the allows-ports check for one iptables-save ruleset collected on `asset`. */
function judge(ruleset: string, asset = '10.0.5.7', tag?: 'running' | 'startup') {
  const facts = parseDocument(builtInHandler('iptables-save'), ruleset);
  const policy = compilePolicy({
    name: 'inline',
    rules: [allowsPorts({ check: 'allows-ports', ports: CLEARTEXT })],
  });
  return evaluate(policy, {
    snapshot: {
      id: 's',
      scope: { id: 'scope', vantage: 'default', approvedPorts: [] },
      hosts: [],
      missingTargets: [],
      takenAt: '2026-04-01T00:00:00.000Z',
    },
    documents: [
      {
        kind: 'iptables-save',
        asset,
        collectedAt: '2026-04-01T00:00:00.000Z',
        ...(tag ? { tag } : {}),
        facts,
      },
    ],
    now: new Date('2026-04-01T00:00:00.000Z'),
  }).results;
}

const ruleset = (...rules: string[]) =>
  `*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n${rules.join('\n')}\nCOMMIT\n`;

describe('firewall-exposure allows-ports: a ruleset judged on its own (a candidate before it is applied)', () => {
  it('finds telnet accepted on the host itself, from any source', () => {
    const results = judge(
      ruleset('-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT', '-A INPUT -p tcp -m tcp --dport 23 -j ACCEPT'),
    );
    expect(results.map((r) => `${r.asset} ${r.subject}`)).toEqual(['10.0.5.7 tcp/23 input of iptables-save']);
    expect(results[0].message).toBe('10.0.5.7 lets 0.0.0.0/0 open tcp/23 (input)');
  });

  it('finds a port forwarded from one network only, naming that network', () => {
    const results = judge(
      ruleset('-A FORWARD -s 10.20.0.0/16 -d 10.0.5.0/24 -p tcp -m tcp --dport 21 -j ACCEPT'),
      '10.0.5.1',
    );
    expect(results.map((r) => r.message)).toEqual(['10.0.5.1 lets 10.20.0.0/16 open tcp/21 (forward)']);
  });

  it('finds every listed port a port range or a default-accept policy lets in', () => {
    const range = judge(ruleset('-A INPUT -p tcp -m multiport --dports 20:25 -j ACCEPT'));
    expect(range.map((r) => r.subject)).toEqual([
      'tcp/21 input of iptables-save',
      'tcp/23 input of iptables-save',
    ]);
    const open = judge('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
    expect(open.map((r) => r.subject)).toEqual([
      'tcp/21 input of iptables-save',
      'tcp/23 input of iptables-save',
      'udp/69 input of iptables-save',
    ]);
  });

  it('finds nothing when only other ports are accepted, or a rule drops the port first', () => {
    expect(judge(ruleset('-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT'))).toEqual([]);
    expect(
      judge(ruleset('-A INPUT -p tcp -m tcp --dport 23 -j DROP', '-A INPUT -p tcp -j ACCEPT')).map(
        (r) => r.subject,
      ),
    ).toEqual(['tcp/21 input of iptables-save']);
  });

  it('leaves the saved (startup) ruleset to 1.2.8', () => {
    expect(judge(ruleset('-A INPUT -p tcp -m tcp --dport 23 -j ACCEPT'), '10.0.5.7', 'startup')).toEqual([]);
  });

  it('refuses params without ports, with a malformed port key, or ports on another check', () => {
    for (const params of [
      { check: 'allows-ports' },
      { check: 'allows-ports', ports: ['tcp/70000'] },
      { check: 'allows-ports', ports: ['telnet'] },
      { check: 'reachable-but-blocked', ports: ['tcp/23'] },
    ]) {
      expect(() => compilePolicy({ name: 'inline', rules: [allowsPorts(params)] })).toThrow(PolicyError);
    }
  });
});

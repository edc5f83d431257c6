import { DriftwatchError } from '@driftwatch/core';

import { firewallVerdict, type FirewallPacket } from './firewall-verdict';
import { parseIptablesSave } from './iptables-save.parser';
import { parseNftRuleset } from './nft-ruleset.parser';

const iptables = (...lines: string[]) =>
  parseIptablesSave(
    [
      '*filter',
      ':INPUT DROP [0:0]',
      ':FORWARD DROP [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':SSH - [0:0]',
      ':WEB - [0:0]',
      ...lines,
      'COMMIT',
    ].join('\n'),
  );
const tcp = (source: string, port: number, extra: Partial<FirewallPacket> = {}): FirewallPacket => ({
  hook: 'input',
  source,
  destination: '198.18.1.1',
  protocol: 'tcp',
  port,
  ...extra,
});

describe('firewallVerdict', () => {
  const ruleset = iptables(
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A INPUT -s 198.18.20.0/24 -p tcp -m tcp --dport 22 -j SSH',
    '-A INPUT -p tcp -m multiport --dports 80,443 -g WEB',
    '-A INPUT -p tcp --dport 25 -j REJECT --reject-with tcp-reset',
    '-A SSH -s 198.18.20.66/32 -j RETURN',
    '-A SSH -j ACCEPT',
    '-A WEB -s 198.18.30.0/24 -j DROP',
    '-A INPUT -p tcp --dport 443 -j ACCEPT',
  );

  it('accepts through a jump into a user chain and reports the deciding rule and path', () => {
    expect(firewallVerdict(ruleset, tcp('198.18.20.5', 22))).toEqual({
      action: 'accept',
      decidedBy: { table: 'filter', chain: 'SSH', ruleIndex: 1, text: '-A SSH -j ACCEPT' },
      certain: true,
      path: ['filter/INPUT', 'filter/SSH'],
      uncertainRules: [],
      possible: ['accept'],
    });
  });

  it('returns from a user chain to the next rule, and falls to the base chain policy', () => {
    expect(firewallVerdict(ruleset, tcp('198.18.20.66', 22))).toMatchObject({
      action: 'drop',
      decidedBy: { table: 'filter', chain: 'INPUT' },
      certain: true,
      path: ['filter/INPUT', 'filter/SSH'],
    });
    expect(firewallVerdict(ruleset, tcp('198.18.21.5', 22)).decidedBy).toEqual({
      table: 'filter',
      chain: 'INPUT',
    });
  });

  it('does not come back from a goto: the end of the chain returns to the base chain policy', () => {
    // The ACCEPT for 443 after the goto is never reached.
    expect(firewallVerdict(ruleset, tcp('198.18.40.1', 443))).toMatchObject({
      action: 'drop',
      path: ['filter/INPUT', 'filter/WEB'],
    });
  });

  it('treats the packet as NEW: established-only rules do not match it', () => {
    expect(firewallVerdict(ruleset, tcp('198.18.50.1', 8080)).action).toBe('drop');
  });

  it('reports reject from a REJECT rule', () => {
    expect(firewallVerdict(ruleset, tcp('198.18.50.1', 25))).toMatchObject({
      action: 'reject',
      decidedBy: { ruleIndex: 3 },
    });
  });

  it('decides a zone inside a rule source exactly, and is uncertain about a zone that only partly overlaps', () => {
    expect(firewallVerdict(ruleset, tcp('198.18.20.128/25', 22))).toMatchObject({
      action: 'accept',
      certain: true,
    });
    expect(firewallVerdict(ruleset, tcp('198.18.30.0/23', 22))).toMatchObject({
      action: 'drop',
      certain: true,
    });
    const partial = firewallVerdict(ruleset, tcp('198.18.20.0/23', 22));
    expect(partial).toMatchObject({ action: 'drop', certain: false, possible: ['accept', 'drop'] });
    expect(partial.uncertainRules).toEqual([
      '-A INPUT -s 198.18.20.0/24 -p tcp -m tcp --dport 22 -j SSH',
      '-A SSH -s 198.18.20.66/32 -j RETURN', // inside SSH, the zone again only partly matches
    ]);
  });

  it('is uncertain about interface rules when the packet names no interface, and exact when it does', () => {
    const withLo = iptables('-A INPUT -i lo -j ACCEPT', '-A INPUT -p tcp --dport 22 -j ACCEPT');
    expect(firewallVerdict(withLo, tcp('198.18.1.1', 80))).toMatchObject({
      action: 'drop',
      certain: false,
      uncertainRules: ['-A INPUT -i lo -j ACCEPT'],
    });
    expect(firewallVerdict(withLo, tcp('198.18.1.1', 80, { inInterface: 'eth0' }))).toMatchObject({
      action: 'drop',
      certain: true,
    });
    expect(firewallVerdict(withLo, tcp('198.18.1.1', 80, { inInterface: 'lo' }))).toMatchObject({
      action: 'accept',
      certain: true,
    });
    // The same uncertain rule cannot change an accept into anything else.
    expect(firewallVerdict(withLo, tcp('198.18.1.1', 22))).toMatchObject({ action: 'accept', certain: true });
  });

  it('assumes a peer crosses the interfaces each rule names when asked to, never lo', () => {
    const router = iptables(
      '-A INPUT -i lo -j ACCEPT',
      '-A FORWARD -i corp0 -o cde0 -s 198.18.20.0/24 -d 198.18.10.0/24 -p tcp -m tcp --dport 443 -j ACCEPT',
      '-A FORWARD ! -i corp0 -p tcp -m tcp --dport 80 -j ACCEPT',
    );
    const packet = (port: number): FirewallPacket => ({
      hook: 'forward',
      source: '198.18.20.0/24',
      destination: '198.18.10.10',
      protocol: 'tcp',
      port,
    });
    expect(firewallVerdict(router, packet(443))).toMatchObject({ certain: false });
    expect(firewallVerdict(router, { ...packet(443), interfaces: 'as-named' })).toMatchObject({
      action: 'accept',
      certain: true,
    });
    // A negated interface is assumed to be the named one: the rule does not match.
    expect(firewallVerdict(router, { ...packet(80), interfaces: 'as-named' })).toMatchObject({
      action: 'drop',
      certain: true,
    });
    expect(firewallVerdict(router, { ...packet(22), interfaces: 'as-named', hook: 'input' })).toMatchObject({
      action: 'drop',
      certain: true,
    });
  });

  it('is uncertain about unmodelled matches only when they could change the outcome; limit is harmless', () => {
    const rs = iptables(
      '-A INPUT -p tcp --dport 22 -m recent --rcheck --name bad -j DROP',
      '-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT',
      '-A INPUT -p tcp --dport 80 -m recent --rcheck --name bad -j DROP',
      '-A INPUT -p tcp --dport 25 -j NFQUEUE --queue-num 1',
    );
    expect(firewallVerdict(rs, tcp('198.18.9.9', 22))).toMatchObject({
      action: 'accept',
      certain: false,
      possible: ['accept', 'drop'],
    });
    expect(firewallVerdict(rs, tcp('198.18.9.9', 80))).toMatchObject({ action: 'drop', certain: true });
    expect(firewallVerdict(rs, tcp('198.18.9.9', 25))).toMatchObject({ action: 'drop', certain: false });
  });

  it('walks every nft base chain on the hook by priority: accept goes on, drop is final, each policy applies', () => {
    const nft = parseNftRuleset(
      JSON.stringify({
        nftables: [
          { table: { family: 'inet', name: 'late' } },
          { table: { family: 'ip', name: 'early' } },
          { table: { family: 'ip6', name: 'v6' } },
          {
            chain: {
              family: 'inet',
              table: 'late',
              name: 'in',
              type: 'filter',
              hook: 'input',
              prio: 10,
              policy: 'drop',
            },
          },
          {
            chain: {
              family: 'ip',
              table: 'early',
              name: 'in',
              type: 'filter',
              hook: 'input',
              prio: -10,
              policy: 'accept',
            },
          },
          {
            chain: {
              family: 'ip6',
              table: 'v6',
              name: 'in',
              type: 'filter',
              hook: 'input',
              prio: 0,
              policy: 'accept',
            },
          },
          {
            chain: {
              family: 'ip',
              table: 'early',
              name: 'nat',
              type: 'nat',
              hook: 'input',
              prio: 100,
              policy: 'accept',
            },
          },
          {
            rule: {
              family: 'ip',
              table: 'early',
              chain: 'in',
              expr: [
                { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 23 } },
                { drop: null },
              ],
            },
          },
          { rule: { family: 'ip', table: 'early', chain: 'in', expr: [{ accept: null }] } },
          {
            rule: {
              family: 'inet',
              table: 'late',
              chain: 'in',
              expr: [
                { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 22 } },
                { accept: null },
              ],
            },
          },
        ],
      }),
    );
    expect(firewallVerdict(nft, tcp('198.18.9.9', 22))).toMatchObject({
      action: 'accept',
      decidedBy: { table: 'inet late', chain: 'in', ruleIndex: 0 },
      path: ['ip early/in', 'inet late/in'],
    });
    expect(firewallVerdict(nft, tcp('198.18.9.9', 80))).toMatchObject({
      action: 'drop',
      decidedBy: { table: 'inet late', chain: 'in' },
    });
    expect(firewallVerdict(nft, tcp('198.18.9.9', 23))).toMatchObject({
      action: 'drop',
      path: ['ip early/in'],
    });
    expect(firewallVerdict(nft, { ...tcp('2001:db8::9', 23), destination: '2001:db8::1' })).toMatchObject({
      action: 'drop',
      path: ['ip6 v6/in', 'inet late/in'],
    });
  });

  it('accepts when no base chain filters the hook', () => {
    expect(
      firewallVerdict(iptables(), { ...tcp('2001:db8::9', 22), destination: '2001:db8::1' }),
    ).toMatchObject({
      action: 'accept',
      decidedBy: { table: '', chain: '' },
      certain: true,
    });
  });

  it('refuses a packet with bad addresses, mixed families or an invalid port', () => {
    expect(() => firewallVerdict(ruleset, tcp('198.18.0.999', 22))).toThrow(DriftwatchError);
    expect(() => firewallVerdict(ruleset, tcp('2001:db8::1', 22))).toThrow(/one IP family/);
    expect(() => firewallVerdict(ruleset, tcp('198.18.0.1', 70000))).toThrow(/port/);
  });
});

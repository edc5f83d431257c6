import { diffFirewall } from './firewall-diff';
import { parseIptablesSave } from './iptables-save.parser';
import { parseNftRuleset } from './nft-ruleset.parser';

const save = (chains: string[], rules: string[]) =>
  parseIptablesSave(['*filter', ...chains, ...rules, 'COMMIT'].join('\n'));
const base = [':INPUT DROP [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]'];
const r1 = '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT';
const r2 = '-A INPUT -s 198.18.20.0/24 -p tcp -m tcp --dport 22 -j ACCEPT';
const r3 = '-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT';
const telnet = '-A INPUT -p tcp -m tcp --dport 23 -j ACCEPT';

describe('diffFirewall', () => {
  it('reports a rule inserted in the middle of a chain as one addition at its position', () => {
    const changes = diffFirewall(save(base, [r1, r2, r3]), save(base, [r1, r2, telnet, r3]));
    expect(changes).toEqual([
      {
        type: 'rule-added',
        path: 'filter/INPUT',
        to: telnet,
        description: `rule added to filter/INPUT at position 3: ${telnet}`,
      },
    ]);
  });

  it('reports a moved rule as removed and added, and nothing for unchanged rulesets', () => {
    expect(
      diffFirewall(save(base, [r1, r2, r3]), save(base, [r1, r3, r2])).map((c) => c.description),
    ).toEqual([
      `rule removed from filter/INPUT at position 2: ${r2}`,
      `rule added to filter/INPUT at position 3: ${r2}`,
    ]);
    expect(diffFirewall(save(base, [r1, r2]), save(base, [r1, r2]))).toEqual([]);
  });

  it('reports policy changes and chains added or removed with their rules, in path order', () => {
    const before = save([...base, ':OLD - [0:0]'], [r1, '-A OLD -j DROP']);
    const after = save(
      [':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', ':NEW - [0:0]'],
      [r1, '-A NEW -j ACCEPT'],
    );
    expect(diffFirewall(before, after)).toEqual([
      {
        type: 'policy-changed',
        path: 'filter/INPUT',
        from: 'drop',
        to: 'accept',
        description: 'policy of filter/INPUT changed from drop to accept',
      },
      {
        type: 'chain-added',
        path: 'filter/NEW',
        to: 'user chain, 1 rules',
        description: 'chain added: filter/NEW (user chain, 1 rules)',
      },
      {
        type: 'rule-added',
        path: 'filter/NEW',
        to: '-A NEW -j ACCEPT',
        description: 'rule added to filter/NEW at position 1: -A NEW -j ACCEPT',
      },
      {
        type: 'chain-removed',
        path: 'filter/OLD',
        from: 'user chain, 1 rules',
        description: 'chain removed: filter/OLD (user chain, 1 rules)',
      },
      {
        type: 'rule-removed',
        path: 'filter/OLD',
        from: '-A OLD -j DROP',
        description: 'rule removed from filter/OLD at position 1: -A OLD -j DROP',
      },
    ]);
  });

  it('names nft chains by family and table, and ignores counters and handles', () => {
    const doc = (packets: number, extra: object[]) =>
      parseNftRuleset(
        JSON.stringify({
          nftables: [
            { table: { family: 'inet', name: 'filter', handle: packets } },
            {
              chain: {
                family: 'inet',
                table: 'filter',
                name: 'input',
                type: 'filter',
                hook: 'input',
                prio: 0,
                policy: 'drop',
                handle: packets,
              },
            },
            {
              rule: {
                family: 'inet',
                table: 'filter',
                chain: 'input',
                handle: packets,
                expr: [{ counter: { packets, bytes: packets * 60 } }, { accept: null }],
              },
            },
            ...extra,
          ],
        }),
      );
    const tcp23 = {
      rule: {
        family: 'inet',
        table: 'filter',
        chain: 'input',
        expr: [
          { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 23 } },
          { accept: null },
        ],
      },
    };
    expect(diffFirewall(doc(1, []), doc(999, [tcp23]))).toEqual([
      {
        type: 'rule-added',
        path: 'inet filter/input',
        to: 'tcp dport 23 accept',
        description: 'rule added to inet filter/input at position 2: tcp dport 23 accept',
      },
    ]);
  });
});

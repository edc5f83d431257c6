import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ConfigParseError } from '../config-parse-error';
import { parseNftRuleset } from './nft-ruleset.parser';

const fixture = (name: string): string => readFileSync(path.join(__dirname, '__fixtures__', name), 'utf8');

function problems(content: string): string[] {
  try {
    parseNftRuleset(content);
  } catch (error) {
    if (!(error instanceof ConfigParseError)) throw error;
    return error.problems.map((p) =>
      p.line !== undefined ? `line ${p.line}: ${p.reason}` : `${p.pointer || '/'}: ${p.reason}`,
    );
  }
  throw new Error('parsed without error');
}

const doc = (...items: unknown[]): string =>
  JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6', json_schema_version: 1 } },
      { table: { family: 'inet', name: 'filter', handle: 1 } },
      {
        chain: {
          family: 'inet',
          table: 'filter',
          name: 'input',
          handle: 1,
          type: 'filter',
          hook: 'input',
          prio: 0,
          policy: 'drop',
        },
      },
      ...items,
    ],
  });
const rule = (expr: unknown[], extra: object = {}): object => ({
  rule: { family: 'inet', table: 'filter', chain: 'input', handle: 9, expr, ...extra },
});
const match = (left: unknown, right: unknown, op = '=='): object => ({ match: { op, left, right } });

describe('parseNftRuleset', () => {
  it('parses real `nft -j list ruleset` output: tables, base chains, named sets and readable rule texts', () => {
    const ruleset = parseNftRuleset(fixture('nft-inet-filter.json'));
    expect(ruleset.backend).toBe('nftables');
    expect(ruleset.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['inet filter', 'ip nat']);
    const [input, smtp, forward] = ruleset.tables[0]?.chains ?? [];
    expect(input).toMatchObject({
      name: 'input',
      hook: 'input',
      type: 'filter',
      priority: 0,
      policy: 'drop',
    });
    expect(smtp).toEqual({ name: 'smtp', rules: expect.any(Array) });
    expect(forward).toMatchObject({ hook: 'forward', policy: 'accept' });
    expect(ruleset.tables[1]?.chains[0]).toMatchObject({ hook: 'prerouting', type: 'nat', priority: -100 });
    expect(input?.rules.map((r) => r.text)).toEqual([
      'ct state established,related accept',
      'ct state invalid drop',
      'iifname "lo" accept',
      'ip saddr @mgmt tcp dport @ports counter accept comment "mgmt access"',
      'ip saddr 198.18.40.0/24 tcp dport { 80, 8000-8100 } accept',
      'ip6 saddr 2001:db8::/32 udp dport 53 accept',
      'meta l4proto { tcp, udp } th dport 5000 accept',
      'ip saddr != 198.18.0.0/15 limit rate 5/minute log prefix "x " drop',
      'tcp dport 25 ct state new jump smtp',
      'ip daddr 198.18.1.1 tcp sport 1024-65535 reject with tcp reset',
      'meta nfproto ipv4 tcp flags syn tcp dport 9 drop',
      'ip protocol icmp accept',
      'ip saddr 198.18.60.0-198.18.60.20 goto smtp',
    ]);
    expect(input?.rules[3]).toEqual({
      text: 'ip saddr @mgmt tcp dport @ports counter accept comment "mgmt access"',
      match: {
        sources: [
          '198.18.20.0/24',
          '198.18.22.5/32',
          '198.18.30.1/32',
          '198.18.30.2/31',
          '198.18.30.4/30',
          '198.18.30.8/31',
        ],
        protocol: 'tcp',
        destinationPorts: [
          { from: 22, to: 22 },
          { from: 443, to: 443 },
        ],
      },
      action: 'accept',
      comment: 'mgmt access',
    });
    expect(input?.rules[6]?.match).toEqual({
      protocols: ['tcp', 'udp'],
      destinationPorts: [{ from: 5000, to: 5000 }],
    });
    expect(input?.rules[7]?.match).toEqual({
      sources: ['198.18.0.0/15'],
      sourcesNegated: true,
      unsupported: ['limit rate 5/minute'],
    });
    expect(input?.rules[10]?.match).toEqual({
      family: 'ipv4',
      protocol: 'tcp',
      destinationPorts: [{ from: 9, to: 9 }],
      unsupported: ['tcp flags syn'],
    });
    expect(input?.rules[12]).toMatchObject({ action: 'goto', target: 'smtp' });
    expect(ruleset.tables[1]?.chains[0]?.rules[0]).toMatchObject({
      text: 'tcp dport 80 dnat to 198.18.1.1:8080',
      action: 'other',
      target: 'dnat',
    });
  });

  it('keeps xt compat matches of iptables-nft rules listed by nft as unsupported, and maps xt targets', () => {
    const ruleset = parseNftRuleset(fixture('iptables-nft-as-nft.json'));
    const input = ruleset.tables[0]?.chains.find((c) => c.name === 'INPUT');
    expect(input?.rules[0]).toMatchObject({
      text: 'xt match conntrack counter accept',
      match: { unsupported: ['xt match conntrack'] },
    });
    expect(input?.rules.find((r) => r.text.includes('xt target REJECT'))?.action).toBe('reject');
  });

  it('renders and models prefixes, ranges, comparisons, interfaces with wildcards and sets with wrapped elements', () => {
    const ruleset = parseNftRuleset(
      doc(
        rule([
          match({ meta: { key: 'iifname' } }, 'eth*', '!='),
          match(
            { payload: { protocol: 'ip6', field: 'daddr' } },
            {
              set: [
                { elem: { val: '2001:db8::1', comment: 'x' } },
                { prefix: { addr: '2001:db8:1::', len: 48 } },
              ],
            },
          ),
          match({ payload: { protocol: 'tcp', field: 'dport' } }, 1024, '<'),
          { counter: { packets: 12, bytes: 3456 } },
          { reject: { type: 'icmpx', expr: 'admin-prohibited' } },
        ]),
      ),
    );
    expect(ruleset.tables[0]?.chains[0]?.rules[0]).toEqual({
      text: 'iifname != "eth*" ip6 daddr { 2001:db8::1, 2001:db8:1::/48 } tcp dport < 1024 counter reject with icmpx admin-prohibited',
      match: {
        inInterfaces: ['eth+'],
        inInterfacesNegated: true,
        destinations: ['2001:db8::1/128', '2001:db8:1::/48'],
        protocol: 'tcp',
        destinationPorts: [{ from: 0, to: 1023 }],
      },
      action: 'reject',
    });
  });

  it('keeps a reference to a set without listed elements, and unknown statements, as unsupported', () => {
    const ruleset = parseNftRuleset(
      doc(
        { set: { family: 'inet', table: 'filter', name: 'dyn', type: 'ipv4_addr', handle: 3 } },
        rule([
          match({ payload: { protocol: 'ip', field: 'saddr' } }, '@dyn'),
          { quota: { val: 10, val_unit: 'mbytes' } },
          { accept: null },
        ]),
      ),
    );
    expect(ruleset.tables[0]?.chains[0]?.rules[0]?.match.unsupported).toEqual([
      'ip saddr @dyn',
      'quota {"val":10,"val_unit":"mbytes"}',
    ]);
  });

  it('refuses wrong shapes with JSON pointers and reasons', () => {
    expect(
      problems(
        doc(
          { chain: { family: 'inet', table: 'nope', name: 'x' } },
          {
            chain: {
              family: 'inet',
              table: 'filter',
              name: 'y',
              hook: 'sideways',
              prio: 'high',
              policy: 'maybe',
            },
          },
          { rule: { family: 'inet', table: 'filter', chain: 'input', expr: 'accept' } },
          rule([{ accept: null, drop: null }, { jump: { target: 'missing' } }, { match: { op: '==' } }]),
          rule([match({ payload: { protocol: 'ip', field: 'saddr' } }, '2001:db8::1')]),
          { rule: { family: 'inet', table: 'filter', chain: 'other', expr: [] } },
          { table: { family: 'ipx', name: 'f' } },
          42,
        ),
      ),
    ).toEqual([
      '/nftables/3/chain/table: no table inet nope in the ruleset',
      '/nftables/4/chain/hook: unknown hook "sideways" (expected prerouting, input, forward, output, postrouting, ingress, egress)',
      '/nftables/4/chain/prio: must be an integer or a standard priority name',
      '/nftables/4/chain/policy: must be "accept" or "drop"',
      '/nftables/5/rule/expr: must be an array of statements',
      '/nftables/6/rule/expr/0: must be an object with one statement, such as {"accept": null}',
      '/nftables/6/rule/expr/1/jump/target: no chain missing in table inet filter',
      '/nftables/6/rule/expr/2/match: a match needs "op" (a string), "left" and "right"',
      '/nftables/7/rule/expr/0/match/right: "2001:db8::1" is not an IPv4 address, prefix or range',
      '/nftables/8/rule/chain: no chain other in table inet filter',
      '/nftables/9/table/family: unknown family "ipx" (expected ip, ip6, inet, arp, bridge, netdev)',
      '/nftables/10: must be an object such as {"table": {...}}',
    ]);
    expect(problems('{"nftables": {}}')).toEqual([
      '/nftables: expected an object {"nftables": [...]} (`nft -j list ruleset`)',
    ]);
    expect(problems('[]')).toEqual(['/: expected an object {"nftables": [...]} (`nft -j list ruleset`)']);
    expect(problems('  ')).toEqual(['/: empty document (expected the output of `nft -j list ruleset`)']);
  });

  it('refuses text that is not JSON, naming the line of the syntax error', () => {
    expect(problems('{\n  "nftables": [\n    {"table": }\n  ]\n}')[0]).toMatch(/^line 3: not JSON/);
    expect(problems('table inet filter {\n}')[0]).toMatch(/^line 1: not JSON/);
    expect(problems('{"nftables": [\n')[0]).toMatch(/^line 2: not JSON/);
  });

  it('only ever throws ConfigParseError on truncated, garbled or mistyped input (fuzz)', () => {
    const text = fixture('nft-inet-filter.json');
    const original = JSON.parse(text) as unknown;
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const junk = [
      null,
      0,
      -1,
      1.5,
      '',
      '@',
      '@mgmt',
      'x',
      true,
      [],
      {},
      [[]],
      { prefix: 1 },
      { range: [] },
      { set: [{}] },
      { elem: null },
    ];
    const mutate = (value: unknown, depth: number): unknown => {
      if (random(10) === 0) return junk[random(junk.length)];
      if (Array.isArray(value)) return value.filter(() => random(20) !== 0).map((v) => mutate(v, depth + 1));
      if (typeof value === 'object' && value !== null) {
        return Object.fromEntries(
          Object.entries(value)
            .filter(() => random(15) !== 0)
            .map(([k, v]) => [k, mutate(v, depth + 1)]),
        );
      }
      return value;
    };
    const attempts = [
      ...Array.from({ length: 300 }, () => text.slice(0, random(text.length))),
      ...Array.from({ length: 1500 }, () => JSON.stringify(mutate(original, 0))),
      '['.repeat(100_000),
      `{"nftables":[{"rule":{"family":"inet","table":"filter","chain":"input","expr":[{"match":{"op":"==","left":1,"right":${'['.repeat(5000)}${']'.repeat(5000)}}}]}}]}`,
    ];
    for (const content of attempts) {
      try {
        parseNftRuleset(content);
      } catch (error) {
        if (!(error instanceof ConfigParseError))
          throw new Error(`${String(error)} on:\n${content.slice(0, 500)}`);
      }
    }
  });
});

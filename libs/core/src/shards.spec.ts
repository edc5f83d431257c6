import { planShards } from './shards';
import { parseTarget, type Target } from './target';

const targets = (...values: string[]): Target[] =>
  values.map((v) => {
    const parsed = parseTarget(v);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.target;
  });
const defaults = { ipv4: 24, ipv6: 120 };

describe('planShards', () => {
  it('splits a /16 into 256 /24 shards in address order', () => {
    const shards = planShards(targets('10.1.0.0/16'), defaults);
    expect(shards).toHaveLength(256);
    expect(shards[0]).toEqual({ block: '10.1.0.0/24', targets: ['10.1.0.0/24'] });
    expect(shards[1]?.block).toBe('10.1.1.0/24');
    expect(shards[255]).toEqual({ block: '10.1.255.0/24', targets: ['10.1.255.0/24'] });
  });

  it('groups addresses and narrow blocks by the /24 they lie in', () => {
    expect(planShards(targets('10.0.1.9', '10.0.0.5', '10.0.1.128/25', '10.0.0.7'), defaults)).toEqual([
      { block: '10.0.0.0/24', targets: ['10.0.0.5', '10.0.0.7'] },
      { block: '10.0.1.0/24', targets: ['10.0.1.9', '10.0.1.128/25'] },
    ]);
  });

  it('drops targets another target of the shard already covers, so nothing is scanned twice', () => {
    expect(planShards(targets('10.0.0.5', '10.0.0.0/23', '10.0.1.0/25'), defaults)).toEqual([
      { block: '10.0.0.0/24', targets: ['10.0.0.0/24'] },
      { block: '10.0.1.0/24', targets: ['10.0.1.0/24'] },
    ]);
  });

  it('honours a configured prefix and shards IPv6 by /120', () => {
    expect(planShards(targets('10.0.0.0/22'), { ipv4: 23, ipv6: 120 }).map((s) => s.block)).toEqual([
      '10.0.0.0/23',
      '10.0.2.0/23',
    ]);
    const v6 = planShards(targets('2001:db8::/118', '::1'), defaults);
    expect(v6.map((s) => s.block)).toEqual([
      '::/120',
      '2001:db8::/120',
      '2001:db8::100/120',
      '2001:db8::200/120',
      '2001:db8::300/120',
    ]);
    expect(v6[0]?.targets).toEqual(['::1']);
  });

  it('orders IPv4 shards before IPv6 shards', () => {
    expect(planShards(targets('::1', '127.0.0.1'), defaults).map((s) => s.block)).toEqual([
      '127.0.0.0/24',
      '::/120',
    ]);
  });
});

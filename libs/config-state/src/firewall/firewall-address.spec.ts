import {
  canonicalCidr,
  coverage,
  intervalOf,
  intervalToCidrs,
  mergeIntervals,
  parseIpAddress,
} from './firewall-address';

describe('firewall addresses', () => {
  it('canonicalises hosts, CIDRs with host bits and contiguous dotted masks', () => {
    expect(canonicalCidr('198.18.21.5')).toBe('198.18.21.5/32');
    expect(canonicalCidr('198.18.20.7/24')).toBe('198.18.20.0/24');
    expect(canonicalCidr('198.18.0.0/255.254.0.0')).toBe('198.18.0.0/15');
    expect(canonicalCidr('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1/128');
    expect(canonicalCidr('2001:db8::/32')).toBe('2001:db8::/32');
    expect(canonicalCidr('::ffff:198.18.0.1')).toBe('::ffff:c612:1/128');
    expect(canonicalCidr('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3/128');
  });

  it('refuses malformed addresses, prefixes and masks with holes', () => {
    for (const bad of [
      '198.18.0.256',
      '198.18.0',
      '198.18.0.1/33',
      '010.0.0.1',
      '10.0.0.0/255.0.255.0',
      '1::2::3',
      'host',
      '',
      '::/129',
      '1:2:3:4:5:6:7:8:9',
    ]) {
      expect(canonicalCidr(bad)).toBeUndefined();
    }
    expect(parseIpAddress('::')).toEqual({ family: 'ipv6', value: 0n });
  });

  it('covers an address range with the fewest CIDRs', () => {
    const from = parseIpAddress('198.18.30.1')?.value ?? 0n;
    const to = parseIpAddress('198.18.30.9')?.value ?? 0n;
    expect(intervalToCidrs('ipv4', from, to)).toEqual([
      '198.18.30.1/32',
      '198.18.30.2/31',
      '198.18.30.4/30',
      '198.18.30.8/31',
    ]);
    expect(intervalToCidrs('ipv6', 0n, (1n << 128n) - 1n)).toEqual(['::/0']);
  });

  it('tells whether a zone lies inside, outside or partly inside a set of CIDRs', () => {
    const set = mergeIntervals(['198.18.20.0/24', '198.18.21.0/24'].map((c) => intervalOf(c)!));
    expect(set).toHaveLength(1);
    expect(coverage(intervalOf('198.18.20.128/25')!, set)).toBe('all');
    expect(coverage(intervalOf('198.18.20.0/23')!, set)).toBe('all');
    expect(coverage(intervalOf('198.18.22.0/24')!, set)).toBe('none');
    expect(coverage(intervalOf('198.18.0.0/16')!, set)).toBe('part');
  });
});

import { compareAddresses, identityAddress } from './address-order';

describe('compareAddresses', () => {
  it('orders IPv4 numerically, then IPv6 numerically, then MAC', () => {
    const sorted = [
      { addr: 'AA:BB:CC:DD:EE:01', type: 'mac' as const },
      { addr: '2001:db8::10', type: 'ipv6' as const },
      { addr: '10.0.0.10', type: 'ipv4' as const },
      { addr: '2001:db8::9', type: 'ipv6' as const },
      { addr: '10.0.0.9', type: 'ipv4' as const },
      { addr: '::ffff:10.0.0.1', type: 'ipv6' as const },
    ]
      .sort(compareAddresses)
      .map((a) => a.addr);
    expect(sorted).toEqual([
      '10.0.0.9',
      '10.0.0.10',
      '::ffff:10.0.0.1',
      '2001:db8::9',
      '2001:db8::10',
      'AA:BB:CC:DD:EE:01',
    ]);
  });
});

describe('identityAddress', () => {
  it("picks ndiff's host id address: IPv4 before IPv6 before MAC, lowest string first", () => {
    expect(
      identityAddress({
        addresses: [
          { addr: '00:11:22:33:44:55', type: 'mac' },
          { addr: 'fe80::1', type: 'ipv6' },
          { addr: '10.0.0.9', type: 'ipv4' },
          { addr: '10.0.0.10', type: 'ipv4' },
        ],
      })?.addr,
    ).toBe('10.0.0.10');
    expect(identityAddress({ addresses: [] })).toBeUndefined();
  });
});

import { addressWithinNetworks, parseNetwork, parseTarget, targetWithinNetworks } from './target';

describe('parseTarget', () => {
  it.each([
    ['127.0.0.1', 'ipv4', '127.0.0.1'],
    ['::1', 'ipv6', '::1'],
    ['2001:DB8::1', 'ipv6', '2001:db8::1'],
    ['10.0.0.7/24', 'cidr4', '10.0.0.0/24'],
    ['2001:db8::/120', 'cidr6', '2001:db8::/120'],
    ['DB.cde.Example.com.', 'hostname', 'db.cde.example.com'],
    ['10-0-0-1.cde.example.com', 'hostname', '10-0-0-1.cde.example.com'],
    ['localhost', 'hostname', 'localhost'],
  ])('accepts %s as %s, normalised to %s', (input, kind, value) => {
    expect(parseTarget(input)).toEqual({ ok: true, target: { kind, value } });
  });

  it.each([
    '127.0.0.1 --script=evil.nse',
    '127.0.0.1 -oN file',
    '127.0.0.1;id',
    '-oN out.txt',
    '--script=x',
    '-iL',
    '$(id)',
    '127.0.0.1\n10.0.0.1',
    '',
    '256.1.1.1',
    '10.0.0.0/33',
    '10.0.0.0/8',
    '10.0.0.0/x',
    'fe80::1%eth0',
    'a..b',
    '-host.example.com',
    'host-.example.com',
    '1.2.3',
    'host.123-4',
  ])('refuses %j', (input) => {
    expect(parseTarget(input).ok).toBe(false);
  });

  // They passed as hostnames whose last label is "1-5", and failed only when the scan ran.
  it.each(['127.0.0.1-5', '192.0.2-3.1', '10.0.0.1-10.0.0.9'])(
    "refuses nmap's range %j as a range",
    (input) => {
      expect(parseTarget(input)).toEqual({
        ok: false,
        reason: expect.stringContaining('is an address range'),
      });
    },
  );

  it('judges targets against the allowlist, CIDRs by their whole range', () => {
    const nets = ['127.0.0.0/8', '::1/128'].map(parseNetwork);
    const ok = (t: string) => {
      const p = parseTarget(t);
      return p.ok && targetWithinNetworks(p.target, nets);
    };
    expect(ok('127.0.0.1')).toBe(true);
    expect(ok('127.1.0.0/16')).toBe(true);
    expect(ok('::1')).toBe(true);
    expect(ok('10.0.0.1')).toBe(false);
    expect(ok('126.0.0.0/7')).toBe(false);
    expect(addressWithinNetworks('::ffff:127.0.0.1', nets)).toBe(true);
    expect(addressWithinNetworks('192.0.2.1', nets)).toBe(false);
  });
});

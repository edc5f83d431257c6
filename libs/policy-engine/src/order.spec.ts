import { compareAddressValues, ipv4Value, mergeResults, resultComparator } from './order';
import type { RuleResult } from '@driftwatch/core';

describe('result order', () => {
  it('reads a dotted quad as a number and anything else as no IPv4 address', () => {
    expect(ipv4Value('10.0.0.2')).toBe(167772162);
    expect(ipv4Value('255.255.255.255')).toBe(4294967295);
    expect(ipv4Value('010.0.0.1')).toBe(ipv4Value('10.0.0.1'));
    for (const text of [
      '10.0.0.256',
      '10.0.0',
      '10.0.0.1.1',
      '10..0.1',
      '.10.0.0',
      '10.0.0.',
      '1000.0.0.1',
      'a.b.c.d',
      '',
      '::1',
    ]) {
      expect(ipv4Value(text)).toBeUndefined();
    }
  });

  it('orders IPv4 numerically and first, then other addresses by code units', () => {
    const sorted = ['2001:db8::1', '10.0.0.10', 'unknown', '10.0.0.2'].sort((a, b) =>
      compareAddressValues(a, ipv4Value(a), b, ipv4Value(b)),
    );
    expect(sorted).toEqual(['10.0.0.2', '10.0.0.10', '2001:db8::1', 'unknown']);
  });

  it('merges two ordered lists into one, the first list first on ties', () => {
    const result = (asset: string, port: number, tag: string) =>
      ({
        asset,
        port,
        protocol: 'tcp',
        ruleId: 'r',
        subject: `tcp/${port}`,
        title: tag,
      }) as unknown as RuleResult;
    const compare = resultComparator();
    const a = [result('10.0.0.2', 22, 'a'), result('10.0.0.10', 80, 'a')];
    const b = [result('10.0.0.2', 22, 'b'), result('10.0.0.3', 443, 'b')];
    expect(mergeResults(a, b, compare).map((r) => `${r.asset}:${r.port}:${r.title}`)).toEqual([
      '10.0.0.2:22:a',
      '10.0.0.2:22:b',
      '10.0.0.3:443:b',
      '10.0.0.10:80:a',
    ]);
  });
});

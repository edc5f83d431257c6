import { ISSUER_RANGES, issuerOf, LENGTHS_BY_PREFIX2, PAN_BRANDS } from './issuers';
import { luhnValid } from './luhn';
import { BRAND_EXAMPLES, generatePan, seededRandom } from './testing/pan-generator';
import { PUBLIC_TEST_PANS } from './test-numbers';

describe('issuer ranges', () => {
  const random = seededRandom(2);
  const pan = (prefix: string, length: number): string => generatePan(prefix, length, random);

  it('names the brand of a number from each example range', () => {
    for (const example of BRAND_EXAMPLES) {
      expect([example.prefix, issuerOf(pan(example.prefix, example.length))]).toEqual([
        example.prefix,
        example.brand,
      ]);
    }
  });

  it('honours the range boundaries', () => {
    expect(issuerOf(pan('2221', 16))).toBe('mastercard');
    expect(issuerOf(pan('2720', 16))).toBe('mastercard');
    expect(issuerOf(pan('2220', 16))).toBeUndefined();
    expect(issuerOf(pan('2721', 16))).toBeUndefined();
    expect(issuerOf(pan('51', 16))).toBe('mastercard');
    expect(issuerOf(pan('55', 16))).toBe('mastercard');
    expect(issuerOf(pan('3528', 16))).toBe('jcb');
    expect(issuerOf(pan('3527', 16))).toBeUndefined();
    expect(issuerOf(pan('300', 14))).toBe('diners');
    expect(issuerOf(pan('306', 14))).toBeUndefined();
  });

  it('lets the most specific prefix decide the brand', () => {
    expect(issuerOf(pan('622126', 16))).toBe('discover');
    expect(issuerOf(pan('622925', 16))).toBe('discover');
    expect(issuerOf(pan('622125', 16))).toBe('unionpay');
    expect(issuerOf(pan('644', 16))).toBe('discover');
    expect(issuerOf(pan('643', 16))).toBe('maestro');
    expect(issuerOf(pan('6011', 16))).toBe('discover');
    expect(issuerOf(pan('6012', 16))).toBe('maestro');
  });

  it('refuses lengths the deciding brand does not issue', () => {
    expect(issuerOf(pan('37', 16))).toBeUndefined();
    expect(issuerOf(pan('4', 14))).toBeUndefined();
    expect(issuerOf(pan('4', 15))).toBeUndefined();
    expect(issuerOf(pan('53', 15))).toBeUndefined();
    expect(issuerOf(pan('62', 13))).toBeUndefined();
  });

  it('knows no brand for numbers starting 0, 1, 7, 8 or 9', () => {
    for (const first of ['0', '1', '7', '8', '9']) {
      for (const length of [12, 13, 16, 19]) expect(issuerOf(pan(first, length))).toBeUndefined();
    }
  });

  it('lists only known brands, with prefixes of equal length', () => {
    for (const r of ISSUER_RANGES) {
      expect(PAN_BRANDS).toContain(r.brand);
      expect(r.from.length).toBe(r.to.length);
      expect(r.from <= r.to).toBe(true);
    }
  });

  it('keeps the two-digit prefilter a superset of the exact lookup', () => {
    for (let i = 0; i < 5000; i++) {
      const length = 12 + (i % 8);
      const candidate = pan(String(2 + (i % 5)), length);
      if (issuerOf(candidate) === undefined) continue;
      expect(LENGTHS_BY_PREFIX2[Number(candidate.slice(0, 2))] & (1 << length)).not.toBe(0);
    }
  });

  it('has only Luhn-valid, known-brand published test numbers', () => {
    for (const testPan of PUBLIC_TEST_PANS) {
      expect([testPan, luhnValid(testPan), issuerOf(testPan) !== undefined]).toEqual([testPan, true, true]);
    }
  });
});

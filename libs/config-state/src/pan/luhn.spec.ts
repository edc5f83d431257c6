import { luhnCheckDigit, luhnValid, luhnValidDigits } from './luhn';
import { randomDigits, seededRandom } from './testing/pan-generator';

describe('luhn', () => {
  it('accepts numbers whose last digit is the Luhn check digit', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 200; i++) {
      const payload = randomDigits(12 + (i % 8), random);
      expect(luhnValid(payload + String(luhnCheckDigit(payload)))).toBe(true);
    }
  });

  it('rejects every other final digit', () => {
    const payload = '453201511283036';
    const check = luhnCheckDigit(payload);
    for (let d = 0; d < 10; d++) expect(luhnValid(payload + String(d))).toBe(d === check);
  });

  it('rejects non-digit input and single digits', () => {
    expect(luhnValid('4532-0151-1283-0366')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValidDigits([0], 1)).toBe(false);
  });

  it('checks digit values without a string', () => {
    expect(luhnValidDigits([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3], 11)).toBe(true);
    expect(luhnValidDigits([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4], 11)).toBe(false);
  });
});

/**
 * The Luhn (mod 10) check digit of ISO/IEC 7812-1, which every payment card number carries as
 * its last digit. About one random digit string in ten passes, so it only narrows candidates.
 */

/** Whether `digits` (ASCII digits only) ends in a correct Luhn check digit. */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]+$/.test(digits)) return false;
  const values = new Uint8Array(digits.length);
  for (let i = 0; i < digits.length; i++) values[i] = digits.charCodeAt(i) - 48;
  const valid = luhnValidDigits(values, values.length);
  values.fill(0);
  return valid;
}

/** The same check over the first `length` digit values (0–9) of `digits`, for callers that avoid strings. */
export function luhnValidDigits(digits: ArrayLike<number>, length: number): boolean {
  if (length < 2) return false;
  let sum = 0;
  let double = false;
  for (let i = length - 1; i >= 0; i--) {
    let d = digits[i];
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The digit that, appended to `payload`, makes it Luhn-valid (used to build test numbers). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  let double = true;
  for (let i = payload.length - 1; i >= 0; i--) {
    let d = payload.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * Numbers given as option values, parsed one way for every command. Number() is too lax for
 * that: it reads "0x1F", "1e1", "18101.0", " 7 " and "" (as 0), so a typo or a hex value
 * silently became another number. Only decimal digits are taken (a point and decimals where a
 * fraction makes sense); anything else is refused, naming the option and the value. `fail`
 * throws the command's usage error.
 */
const DECIMAL_INTEGER = /^\d+$/;
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** A whole number of `min`..`max` in decimal digits. */
export function decimalInteger(
  text: string,
  option: string,
  range: { min: number; max: number },
  fail: (reason: string) => never,
): number {
  const value = DECIMAL_INTEGER.test(text) ? Number(text) : Number.NaN;
  if (!(value >= range.min && value <= range.max))
    fail(
      `--${option} must be a whole number from ${range.min} to ${range.max} in decimal digits, not ${JSON.stringify(text)}`,
    );
  return value;
}

/** "22,443" → [22, 443] (spaces around a port are allowed); "" → []. Each is 1-65535. */
export function portList(text: string, option: string, fail: (reason: string) => never): number[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const port = part.trim();
    if (!DECIMAL_INTEGER.test(port) || !(Number(port) >= 1 && Number(port) <= 65535))
      fail(`--${option}: ${JSON.stringify(part)} is not a port number (1-65535, decimal digits)`);
    return Number(port);
  });
}

/**
 * Seconds as decimal digits with an optional fraction ("30", "2.5"), returned as whole
 * milliseconds, rounded up: timers take integers, and a timeout shorter than asked is never set.
 * Computed from the digits, not floating point ("0.29" is 290 ms, not 291). More than 0 and at
 * most `maxSeconds`.
 */
export function secondsAsMilliseconds(
  text: string,
  option: string,
  maxSeconds: number,
  fail: (reason: string) => never,
): number {
  const match = DECIMAL.exec(text);
  const whole = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  const ms =
    match && whole.length <= 15
      ? Number(whole) * 1000 +
        Number(fraction.slice(0, 3).padEnd(3, '0')) +
        (/[1-9]/.test(fraction.slice(3)) ? 1 : 0)
      : Number.NaN;
  if (!(ms > 0 && ms <= maxSeconds * 1000))
    fail(
      `--${option} must be a number of seconds more than 0 and at most ${maxSeconds} (e.g. 30 or 2.5), not ${JSON.stringify(text)}`,
    );
  return ms;
}

import { decimalInteger, portList, secondsAsMilliseconds } from './numeric-option';

const fail = (reason: string): never => {
  throw new Error(reason);
};

describe('numeric option values', () => {
  it('takes ports as decimal digits 1-65535, spaces around them allowed', () => {
    expect(portList('22,443', 'approved-ports', fail)).toEqual([22, 443]);
    expect(portList(' 22 , 0443,65535', 'approved-ports', fail)).toEqual([22, 443, 65535]);
    expect(portList('', 'approved-ports', fail)).toEqual([]);
  });

  it.each(['0x46B5', '1e1', '18101.0', '0', '65536', '-22', '+22', '22,', ',22', '22;443', 'http', '٢٢'])(
    'refuses the port list %j, naming the option and the value',
    (text) => {
      const bad = text.split(',').find((p) => !/^\s*\d+\s*$/.test(p) || !(+p >= 1 && +p <= 65535)) ?? '';
      expect(() => portList(text, 'approved-ports', fail)).toThrow(
        `--approved-ports: ${JSON.stringify(bad)} is not a port number (1-65535, decimal digits)`,
      );
    },
  );

  it('takes a whole number in range, in decimal digits only', () => {
    expect(decimalInteger('1048576', 'max-file-size', { min: 1, max: 2 ** 40 }, fail)).toBe(1048576);
    for (const text of ['0x10', '1e6', '1.0', ' 5', '5 ', '', '0', '-1', 'Infinity'])
      expect(() => decimalInteger(text, 'max-file-size', { min: 1, max: 2 ** 40 }, fail)).toThrow(
        `--max-file-size must be a whole number from 1 to ${2 ** 40} in decimal digits, not ${JSON.stringify(text)}`,
      );
  });

  it('turns seconds into whole milliseconds, rounding a fraction up, exactly', () => {
    const ms = (text: string) => secondsAsMilliseconds(text, 'timeout', 3600, fail);
    expect(ms('30')).toBe(30_000);
    expect(ms('2.5')).toBe(2500);
    expect(ms('0.29')).toBe(290);
    expect(ms('1.0005')).toBe(1001);
    expect(ms('0.0001')).toBe(1);
    expect(ms('3600')).toBe(3_600_000);
    expect(ms('3600.000')).toBe(3_600_000);
  });

  it.each([
    '0',
    '0.0',
    '-1',
    '3600.0001',
    '1e3',
    '0x10',
    '.5',
    '5.',
    ' 5',
    'Infinity',
    'NaN',
    '',
    '9'.repeat(20),
  ])('refuses the timeout %j, naming the option', (text) => {
    expect(() => secondsAsMilliseconds(text, 'timeout', 3600, fail)).toThrow(
      `--timeout must be a number of seconds more than 0 and at most 3600 (e.g. 30 or 2.5), not ${JSON.stringify(text)}`,
    );
  });
});

import { nestedQuantifier, safeRegExp } from './safe-regexp';

describe('rule patterns', () => {
  it.each([
    '^(a+)+$',
    '(a*)*',
    '^(\\w+\\s?)+$',
    '((ab)+c)*',
    '(a{2,})+',
    '(x+|y)+',
    '^(?:[a-z]+\\.)*$',
    '((a+)?b)+',
  ])('refuses %s, which can take exponential time', (pattern) => {
    expect(nestedQuantifier(pattern)).toMatch(/repeats without bound/);
    expect(() => safeRegExp(pattern, 'u')).toThrow(/exponential time/);
  });

  it.each([
    '^(a|b)+$',
    '(ab)+',
    'a+b+c+',
    '[(a+)]+',
    '\\(a+\\)+',
    '(a{1,3})+',
    '^(?:TLSv1\\.[0-3])+$',
    '^dh ([0-9]{1,3}|1[0-9]{3}|20[0-3][0-9]|204[0-7])$',
    '(?<![0-9.])(10(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3})(?![0-9]|\\.[0-9])',
  ])('accepts %s', (pattern) => {
    expect(nestedQuantifier(pattern)).toBeUndefined();
    expect(safeRegExp(pattern, 'u').test('')).toBe(new RegExp(pattern, 'u').test(''));
  });
});

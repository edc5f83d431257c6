import { RecentResults } from './recent-results';

describe('RecentResults', () => {
  it('computes a key once while it is kept', () => {
    const results = new RecentResults<string, number>(2);
    const compute = jest.fn(() => 42);
    expect(results.get('a', compute)).toBe(42);
    expect(results.get('a', compute)).toBe(42);
    expect(compute).toHaveBeenCalledTimes(1);
  });

  it('drops the least recently used results while over its budget', () => {
    const results = new RecentResults<string, string>(2);
    const computed: string[] = [];
    const get = (key: string) =>
      results.get(key, () => {
        computed.push(key);
        return key.toUpperCase();
      });
    get('a');
    get('b');
    get('a'); // a is now more recent than b
    get('c'); // drops b
    expect(results.size).toBe(2);
    get('a');
    get('b');
    expect(computed).toEqual(['a', 'b', 'c', 'b']);
  });

  it('weighs results, and keeps none heavier than the whole budget', () => {
    const results = new RecentResults<string, number[]>(10, (value) => value.length);
    const compute = jest.fn((n: number) => Array.from({ length: n }, (_, i) => i));
    results.get('six', () => compute(6));
    results.get('four', () => compute(4));
    expect(results.size).toBe(2);
    results.get('three', () => compute(3)); // 13 > 10: drops six, the least recent
    expect(results.size).toBe(2);
    results.get('eleven', () => compute(11));
    results.get('eleven', () => compute(11));
    expect(compute).toHaveBeenCalledTimes(5);
    expect(results.size).toBe(2);
    results.get('four', () => compute(4));
    expect(compute).toHaveBeenCalledTimes(5);
  });

  it('keeps nothing of a computation that throws', () => {
    const results = new RecentResults<string, number>(1);
    expect(() =>
      results.get('a', () => {
        throw new Error('bad input');
      }),
    ).toThrow('bad input');
    expect(results.size).toBe(0);
    expect(results.get('a', () => 1)).toBe(1);
  });

  it('refuses a budget that is not positive', () => {
    expect(() => new RecentResults(0)).toThrow(RangeError);
    expect(() => new RecentResults(Number.NaN)).toThrow(RangeError);
  });
});

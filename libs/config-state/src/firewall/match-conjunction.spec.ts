import { conjoin, PORT_SET_OPS, STRING_SET_OPS } from './match-conjunction';

const ports = (...list: [number, number][]) => list.map(([from, to]) => ({ from, to }));

describe('conjoin: two matches on one field of a rule, both required', () => {
  it('keeps what both positive matches allow', () => {
    expect(
      conjoin(
        { values: ports([20, 30]), negated: false },
        { values: ports([25, 40]), negated: false },
        PORT_SET_OPS,
      ),
    ).toEqual({
      values: ports([25, 30]),
      negated: false,
    });
  });

  it('takes the negated set out of the positive one, whichever comes first', () => {
    const positive = { values: ports([20, 30]), negated: false };
    const negated = { values: ports([22, 22]), negated: true };
    const expected = { values: ports([20, 21], [23, 30]), negated: false };
    expect(conjoin(positive, negated, PORT_SET_OPS)).toEqual(expected);
    expect(conjoin(negated, positive, PORT_SET_OPS)).toEqual(expected);
  });

  it('negates the union of two negated matches', () => {
    expect(
      conjoin(
        { values: ['new'], negated: true },
        { values: ['invalid', 'new'], negated: true },
        STRING_SET_OPS,
      ),
    ).toEqual({ values: ['new', 'invalid'], negated: true });
  });

  it('gives an empty positive set, which matches nothing, for disjoint matches', () => {
    expect(
      conjoin(
        { values: ports([22, 22]), negated: false },
        { values: ports([23, 23], [443, 443]), negated: false },
        PORT_SET_OPS,
      ),
    ).toEqual({
      values: [],
      negated: false,
    });
  });
});

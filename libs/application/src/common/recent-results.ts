/**
 * The last results of a costly computation over immutable input, by key, within a budget: each
 * result weighs what `weigh` says (say, its number of entries), and the least recently used are
 * dropped while the total is over `maxWeight`; a result heavier than the whole budget is not
 * kept. For results that may be asked for again and again (a document's analysis) but whose
 * input never changes under its key.
 */
export class RecentResults<K, V> {
  private readonly entries = new Map<K, { value: V; weight: number }>();
  private total = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {
    if (!(maxWeight > 0)) throw new RangeError('maxWeight must be positive');
  }

  /** The result for `key`, computed by `compute` only when not kept. */
  get(key: K, compute: () => V): V {
    const kept = this.entries.get(key);
    if (kept) {
      // A Map iterates in insertion order: re-inserting marks it the most recently used.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept.value;
    }
    const value = compute();
    const weight = Math.max(1, this.weigh(value));
    if (weight > this.maxWeight) return value;
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.maxWeight) break;
      this.entries.delete(oldest);
      this.total -= entry.weight;
    }
    return value;
  }

  /** Results kept. */
  get size(): number {
    return this.entries.size;
  }
}

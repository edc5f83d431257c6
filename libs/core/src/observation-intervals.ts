/** One port of one host as stored in a state interval. */
export interface ObservationRecord {
  address: string;
  protocol: string;
  port: number;
  state: string;
  attributes: Record<string, unknown>;
  attributesHash: string;
}

export interface OpenInterval {
  id: string;
  address: string;
  protocol: string;
  port: number;
  attributesHash: string;
}

export interface IntervalPlan {
  /** Intervals that ended: the port changed or vanished. */
  close: string[];
  /** Intervals that begin with this snapshot. */
  open: ObservationRecord[];
}

const keyOf = (r: { address: string; protocol: string; port: number }): string =>
  `${r.address}|${r.protocol}|${r.port}`;

/**
 * What a new snapshot does to the open intervals: unchanged ports cost nothing, a changed
 * port closes its interval and opens a new one, a vanished port closes its interval.
 */
export function planIntervals(
  current: readonly OpenInterval[],
  next: readonly ObservationRecord[],
): IntervalPlan {
  return planByKey(current, next, keyOf);
}

/** A host-level interval that is still open. */
export interface OpenHostInterval {
  id: string;
  address: string;
  attributesHash: string;
}

/** The same plan for host-level intervals, keyed by address. */
export function planHostIntervals<R extends { address: string; attributesHash: string }>(
  current: readonly OpenHostInterval[],
  next: readonly R[],
): { close: string[]; open: R[] } {
  return planByKey(current, next, (r) => r.address);
}

function planByKey<I extends { id: string; attributesHash: string }, R extends { attributesHash: string }>(
  current: readonly I[],
  next: readonly R[],
  keyOf: (r: I | R) => string,
): { close: string[]; open: R[] } {
  const byKey = new Map(current.map((c) => [keyOf(c), c]));
  const plan: { close: string[]; open: R[] } = { close: [], open: [] };
  const seen = new Set<string>();
  for (const record of next) {
    const key = keyOf(record);
    seen.add(key);
    const existing = byKey.get(key);
    if (existing && existing.attributesHash === record.attributesHash) continue;
    if (existing) plan.close.push(existing.id);
    plan.open.push(record);
  }
  for (const [key, interval] of byKey) if (!seen.has(key)) plan.close.push(interval.id);
  return plan;
}

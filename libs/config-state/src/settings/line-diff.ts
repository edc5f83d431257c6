export interface LineDiffOptions {
  /** Unchanged lines shown around each change; 3 as `diff -u`. */
  context?: number;
  /**
   * Above this many inserted plus deleted lines the diff is not worth its cost: the result
   * becomes coarse (everything between the common head and tail replaced) and `truncated` is set.
   */
  maxEditDistance?: number;
}

export interface LineDiff {
  /**
   * Unified diff hunks (`@@ -a,b +c,d @@` then lines prefixed ' ', '-', '+'), every line ending
   * in a newline; no `---`/`+++` header, as there are no file names. '' when nothing differs.
   */
  text: string;
  added: number;
  removed: number;
  truncated: boolean;
}

export const DEFAULT_MAX_EDIT_DISTANCE = 5000;
const NO_NEWLINE = '\\ No newline at end of file';

/**
 * A line diff between two texts, with Myers' O(ND) algorithm in its linear-space form (a middle
 * snake found from both ends, then each half diffed in turn), and hunks laid out like GNU
 * `diff -U<context>`: changed regions are slid to merge with their neighbours, and to sit
 * beside a change in the other text when they can, else as low as they can.
 *
 * A last line without a newline differs from the same text with one, as for GNU diff, and is
 * followed by `\ No newline at end of file` wherever it is printed, so the output reads (and
 * applies with `patch`) like GNU's.
 */
export function lineDiff(before: string, after: string, options: LineDiffOptions = {}): LineDiff {
  const context = wholeOrDefault(options.context, 3);
  const maxEditDistance = wholeOrDefault(options.maxEditDistance, DEFAULT_MAX_EDIT_DISTANCE);
  const a = splitText(before);
  const b = splitText(after);
  const ids = new Map<string, number>();
  const intern = (lines: TextLine[]): Int32Array =>
    Int32Array.from(lines, (line) => {
      const key = line.newline ? line.text : `${line.text}\n(no newline)`;
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      return id;
    });
  const x = intern(a);
  const y = intern(b);
  const changedA = new Uint8Array(x.length);
  const changedB = new Uint8Array(y.length);

  // The common head and tail, but for `context` lines next to the differences, stay out of the
  // search and of the sliding below, as in GNU diff: where a change could equally sit inside
  // them or beside them, it is shown at the same place as GNU shows it.
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (
    tail < x.length - head &&
    tail < y.length - head &&
    x[x.length - 1 - tail] === y[y.length - 1 - tail]
  )
    tail++;
  head -= Math.min(head, context);
  tail -= Math.min(tail, context);
  const tailA = x.length - tail;
  const tailB = y.length - tail;
  const midX = x.subarray(head, tailA);
  const midY = y.subarray(head, tailB);
  const midChangedA = changedA.subarray(head, tailA);
  const midChangedB = changedB.subarray(head, tailB);
  let truncated = false;
  if (!shortestEdit(midX, midY, midChangedA, midChangedB, maxEditDistance)) {
    truncated = true;
    midChangedA.fill(0);
    midChangedB.fill(0);
    // Everything between the common head and tail (context lines included) is replaced.
    const keep = Math.min(context, midX.length, midY.length);
    let lo = 0;
    while (lo < keep && midX[lo] === midY[lo]) lo++;
    let hi = 0;
    while (hi < keep - lo && midX[midX.length - 1 - hi] === midY[midY.length - 1 - hi]) hi++;
    midChangedA.fill(1, lo, midX.length - hi);
    midChangedB.fill(1, lo, midY.length - hi);
  } else {
    slide(midX, midChangedA, midChangedB);
    slide(midY, midChangedB, midChangedA);
  }

  const changes = changeList(changedA, changedB);
  return {
    text: formatHunks(a, b, changes, context),
    added: changedB.reduce((n, c) => n + c, 0),
    removed: changedA.reduce((n, c) => n + c, 0),
    truncated,
  };
}

/** A non-negative whole number from an option; the default for a missing or unusable one. */
function wholeOrDefault(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? Math.max(0, Math.floor(value)) : fallback;
}

interface TextLine {
  text: string;
  newline: boolean;
}

function splitText(text: string): TextLine[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const lastHasNewline = parts[parts.length - 1] === '';
  if (lastHasNewline) parts.pop();
  return parts.map((part, i) => ({ text: part, newline: lastHasNewline || i < parts.length - 1 }));
}

/**
 * Marks the lines of x deleted and of y inserted by a shortest edit script; false when it has
 * more than `limit` edits. A line with no equal in the other text can only be deleted or
 * inserted, so such lines are marked first and the search runs on the rest: faster, and it
 * picks, among equally short scripts, the one GNU diff picks (it discards such lines too).
 */
function shortestEdit(
  x: Int32Array,
  y: Int32Array,
  changedX: Uint8Array,
  changedY: Uint8Array,
  limit: number,
): boolean {
  const countsX = new Map<number, number>();
  const countsY = new Map<number, number>();
  for (const id of x) countsX.set(id, (countsX.get(id) ?? 0) + 1);
  for (const id of y) countsY.set(id, (countsY.get(id) ?? 0) + 1);
  const keptX: number[] = [];
  const keptY: number[] = [];
  x.forEach((id, i) => (countsY.has(id) ? keptX.push(i) : (changedX[i] = 1)));
  y.forEach((id, j) => (countsX.has(id) ? keptY.push(j) : (changedY[j] = 1)));
  const discarded = x.length - keptX.length + (y.length - keptY.length);
  if (discarded > limit) return false;

  const reducedX = Int32Array.from(keptX, (i) => x[i]);
  const reducedY = Int32Array.from(keptY, (j) => y[j]);
  const marksX = new Uint8Array(reducedX.length);
  const marksY = new Uint8Array(reducedY.length);
  if (!new Myers(reducedX, reducedY, marksX, marksY).run(limit - discarded)) return false;
  marksX.forEach((mark, r) => (changedX[keptX[r]] = mark || changedX[keptX[r]]));
  marksY.forEach((mark, r) => (changedY[keptY[r]] = mark || changedY[keptY[r]]));
  return true;
}

/** Marks the lines of x deleted and of y inserted by a shortest edit script. */
class Myers {
  private readonly forward: Int32Array;
  private readonly backward: Int32Array;
  private readonly offset: number;

  constructor(
    private readonly x: Int32Array,
    private readonly y: Int32Array,
    private readonly changedX: Uint8Array,
    private readonly changedY: Uint8Array,
  ) {
    // Diagonals k = i - j range over [-len(y), len(x)], plus one on each side for the edges.
    this.offset = y.length + 1;
    this.forward = new Int32Array(x.length + y.length + 3);
    this.backward = new Int32Array(x.length + y.length + 3);
  }

  /** False when the edit distance exceeds `limit`; the marks are then incomplete. */
  run(limit: number): boolean {
    // Only the first split can be the most expensive: each part costs at most what the whole does.
    return this.compare(0, this.x.length, 0, this.y.length, limit);
  }

  private compare(xLo: number, xHi: number, yLo: number, yHi: number, limit: number): boolean {
    const { x, y } = this;
    while (xLo < xHi && yLo < yHi && x[xLo] === y[yLo]) {
      xLo++;
      yLo++;
    }
    while (xLo < xHi && yLo < yHi && x[xHi - 1] === y[yHi - 1]) {
      xHi--;
      yHi--;
    }
    if (xLo === xHi) {
      this.changedY.fill(1, yLo, yHi);
      return yHi - yLo <= limit;
    }
    if (yLo === yHi) {
      this.changedX.fill(1, xLo, xHi);
      return xHi - xLo <= limit;
    }
    const split = this.middle(xLo, xHi, yLo, yHi, limit);
    if (split === undefined) return false;
    const [xMid, yMid] = split;
    if ((xMid === xLo && yMid === yLo) || (xMid === xHi && yMid === yHi)) {
      // Cannot happen once common ends are trimmed; never loop if it did.
      this.changedX.fill(1, xLo, xHi);
      this.changedY.fill(1, yLo, yHi);
      return true;
    }
    return this.compare(xLo, xMid, yLo, yMid, Infinity) && this.compare(xMid, xHi, yMid, yHi, Infinity);
  }

  /**
   * Searches from the top-left and bottom-right corners one edit at a time until the two
   * frontiers meet, and returns a point on a shortest path where they do (the end of the
   * snake that met the other frontier). Forward values are furthest x per diagonal k = x - y;
   * backward values are smallest x per diagonal. Undefined when the distance exceeds `limit`.
   */
  private middle(
    xLo: number,
    xHi: number,
    yLo: number,
    yHi: number,
    limit: number,
  ): [number, number] | undefined {
    const { x, y, forward: fd, backward: bd, offset } = this;
    const kMin = xLo - yHi;
    const kMax = xHi - yLo;
    const fMid = xLo - yLo;
    const bMid = xHi - yHi;
    const odd = ((fMid - bMid) & 1) !== 0;
    let fMin = fMid;
    let fMax = fMid;
    let bMin = bMid;
    let bMax = bMid;
    fd[offset + fMid] = xLo;
    bd[offset + bMid] = xHi;

    for (let cost = 1; ; cost++) {
      // Both frontiers have made cost-1 edits without meeting: the distance is at least 2*cost-1.
      if (2 * cost - 1 > limit) return undefined;

      // Widen the forward band by one diagonal each side where the rectangle allows; a diagonal
      // outside it reads as unreachable (-1).
      if (fMin > kMin) fd[offset + --fMin - 1] = -1;
      else fMin++;
      if (fMax < kMax) fd[offset + ++fMax + 1] = -1;
      else fMax--;
      for (let k = fMax; k >= fMin; k -= 2) {
        const fromBelow = fd[offset + k - 1];
        const fromAbove = fd[offset + k + 1];
        // Prefer the step that reaches further; on a tie, delete (move right) first.
        const start = fromBelow < fromAbove ? fromAbove : fromBelow + 1;
        let i = start;
        let j = i - k;
        while (i < xHi && j < yHi && x[i] === y[j]) {
          i++;
          j++;
        }
        fd[offset + k] = i;
        if (odd && k >= bMin && k <= bMax && bd[offset + k] <= i) return [i, j];
      }

      if (bMin > kMin) bd[offset + --bMin - 1] = 0x7fffffff;
      else bMin++;
      if (bMax < kMax) bd[offset + ++bMax + 1] = 0x7fffffff;
      else bMax--;
      for (let k = bMax; k >= bMin; k -= 2) {
        const fromBelow = bd[offset + k - 1];
        const fromAbove = bd[offset + k + 1];
        const start = fromBelow < fromAbove ? fromBelow : fromAbove - 1;
        let i = start;
        let j = i - k;
        while (i > xLo && j > yLo && x[i - 1] === y[j - 1]) {
          i--;
          j--;
        }
        bd[offset + k] = i;
        if (!odd && k >= fMin && k <= fMax && i <= fd[offset + k]) return [i, j];
      }
    }
  }
}

/**
 * Moves each run of changed lines of one text (over lines that equal the run's last or first
 * line, which leaves the edit script as short) to merge it with neighbouring runs, then to the
 * lowest position where it sits beside a change in the other text, else as low as it goes.
 * This gives the hunks people expect and GNU diff prints.
 */
function slide(lines: Int32Array, changed: Uint8Array, other: Uint8Array): void {
  const n = lines.length;
  // touches[u]: the other text changes something between its u-th and u+1-th unchanged lines.
  const touches: boolean[] = [false];
  for (let j = 0; j < other.length; j++) {
    if (other[j]) touches[touches.length - 1] = true;
    else touches.push(false);
  }

  let i = 0;
  let unchangedBefore = 0;
  while (i < n) {
    if (!changed[i]) {
      i++;
      unchangedBefore++;
      continue;
    }
    let start = i;
    let end = i;
    while (end < n && changed[end]) end++;
    let u = unchangedBefore;
    let length: number;
    let aligned: number;
    do {
      length = end - start;
      while (start > 0 && lines[start - 1] === lines[end - 1]) {
        changed[--start] = 1;
        changed[--end] = 0;
        u--;
        while (start > 0 && changed[start - 1]) start--;
      }
      aligned = touches[u] ? end : -1;
      while (end < n && lines[start] === lines[end]) {
        changed[start++] = 0;
        changed[end++] = 1;
        u++;
        while (end < n && changed[end]) end++;
        if (touches[u]) aligned = end;
      }
    } while (length !== end - start);
    while (aligned >= 0 && end > aligned) {
      changed[--start] = 1;
      changed[--end] = 0;
      u--;
    }
    i = end;
    unchangedBefore = u;
  }
}

interface Change {
  /** First deleted line of the old text (or where the insertion goes), 0-based. */
  a: number;
  deleted: number;
  b: number;
  inserted: number;
}

function changeList(changedA: Uint8Array, changedB: Uint8Array): Change[] {
  const changes: Change[] = [];
  let i = 0;
  let j = 0;
  while (i < changedA.length || j < changedB.length) {
    if ((i < changedA.length && changedA[i]) || (j < changedB.length && changedB[j])) {
      const change = { a: i, deleted: 0, b: j, inserted: 0 };
      while (i < changedA.length && changedA[i]) {
        i++;
        change.deleted++;
      }
      while (j < changedB.length && changedB[j]) {
        j++;
        change.inserted++;
      }
      changes.push(change);
    } else {
      i++;
      j++;
    }
  }
  return changes;
}

function formatHunks(a: TextLine[], b: TextLine[], changes: Change[], context: number): string {
  const out: string[] = [];
  const print = (prefix: string, line: TextLine): void => {
    out.push(prefix + line.text);
    if (!line.newline) out.push(NO_NEWLINE);
  };
  let c = 0;
  while (c < changes.length) {
    // A hunk takes every following change whose context would touch or overlap this one's.
    let last = c;
    while (
      last + 1 < changes.length &&
      changes[last + 1].a - (changes[last].a + changes[last].deleted) <= 2 * context
    )
      last++;
    const first = changes[c];
    const end = changes[last];
    const aStart = Math.max(0, first.a - context);
    const bStart = first.b - (first.a - aStart);
    const aEnd = Math.min(a.length, end.a + end.deleted + context);
    const bEnd = end.b + end.inserted + (aEnd - (end.a + end.deleted));
    out.push(`@@ -${range(aStart, aEnd - aStart)} +${range(bStart, bEnd - bStart)} @@`);
    let i = aStart;
    for (let k = c; k <= last; k++) {
      const change = changes[k];
      for (; i < change.a; i++) print(' ', a[i]);
      for (let d = 0; d < change.deleted; d++) print('-', a[change.a + d]);
      for (let s = 0; s < change.inserted; s++) print('+', b[change.b + s]);
      i = change.a + change.deleted;
    }
    for (; i < aEnd; i++) print(' ', a[i]);
    c = last + 1;
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** GNU's range: `start,count`; one line is just its number; none names the line before. */
function range(start: number, count: number): string {
  if (count === 0) return `${start},0`;
  if (count === 1) return `${start + 1}`;
  return `${start + 1},${count}`;
}

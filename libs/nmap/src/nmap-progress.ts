import type { NmapTaskProgressAttributes } from './nmap-xml.parser';

/**
 * One progress report from a running nmap (its --stats-every <taskprogress>). Plain data.
 *
 * nmap only knows the progress of the task it is running ("SYN Stealth Scan", "Service scan",
 * "NSE", ...), not of the whole run, and it runs its tasks again for each group of hosts. Each
 * such task run is one `step`: `percent` never decreases within a step.
 */
export interface NmapProgress {
  /** nmap's name for the task, e.g. "Connect Scan", "Service scan", "NSE". */
  task: string;
  /**
   * 1, 2, ...: a new step starts when nmap reports another task, or the same task again after it
   * wrote finished hosts (the next host group).
   */
  step: number;
  /** 0 to 100, as nmap estimates it (two decimals). */
  percent: number;
  /** nmap's estimate of the seconds left in this task, when it gives one. */
  etaSeconds?: number;
  /** When the report arrived. */
  at: Date;
}

export type NmapProgressListener = (progress: NmapProgress) => void;

/** A <taskprogress> that passed the checks in parseTaskProgress. */
export interface NmapTaskProgress {
  task: string;
  percent: number;
  etaSeconds?: number;
}

export const MAX_TASK_NAME_LENGTH = 100;
/** A longer estimate than this is nonsense, not information: it is dropped. */
export const MAX_ETA_SECONDS = 10 * 366 * 24 * 3600;
/** Default and minimum time between two reports of the same step (see NmapProgressTracker). */
export const DEFAULT_PROGRESS_INTERVAL_MS = 1000;

const DECIMAL = /^[0-9]{1,3}(?:\.[0-9]{1,6})?$/;
const SECONDS = /^[0-9]{1,12}$/;
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * Checks the attributes of one <taskprogress> element. Anything odd (missing or empty task,
 * a percent that is not a number from 0 to 100) gives null; an unusable time estimate is left
 * out. Never throws, whatever it is given.
 */
export function parseTaskProgress(attributes: unknown): NmapTaskProgress | null {
  try {
    return checkTaskProgress(attributes);
  } catch {
    // Only reachable with exotic objects (throwing getters, proxies): still just "unusable".
    return null;
  }
}

function checkTaskProgress(attributes: unknown): NmapTaskProgress | null {
  if (typeof attributes !== 'object' || attributes === null) return null;
  const a = attributes as Record<keyof NmapTaskProgressAttributes, unknown>;
  if (typeof a.task !== 'string' || typeof a.percent !== 'string') return null;
  const task = a.task.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_TASK_NAME_LENGTH);
  const percentText = a.percent.trim();
  if (task === '' || !DECIMAL.test(percentText)) return null;
  const percent = Math.round(Number(percentText) * 100) / 100;
  if (!(percent >= 0 && percent <= 100)) return null;
  const etaSeconds = eta(a.remaining, a.etc, a.time);
  return etaSeconds === undefined ? { task, percent } : { task, percent, etaSeconds };
}

/** `remaining` if usable, else `etc - time` (both epoch seconds), else undefined. */
function eta(remaining: unknown, etc: unknown, time: unknown): number | undefined {
  const seconds = (value: unknown) =>
    typeof value === 'string' && SECONDS.test(value.trim()) ? Number(value.trim()) : undefined;
  let left = seconds(remaining);
  if (left === undefined) {
    const end = seconds(etc);
    const now = seconds(time);
    if (end !== undefined && now !== undefined && end >= now) left = end - now;
  }
  return left !== undefined && left <= MAX_ETA_SECONDS ? left : undefined;
}

export interface NmapProgressTrackerOptions {
  onProgress: NmapProgressListener;
  /** At most one report per this many ms within a step; the latest held back is sent after. */
  minIntervalMs?: number;
  /** Told (once per failure) when onProgress throws; the tracker carries on. */
  onListenerError?: (error: unknown) => void;
}

/**
 * Turns the <taskprogress> elements of one nmap run into NmapProgress reports: numbers steps,
 * keeps percent monotonic within a step, drops repeats, and throttles. The first report of a new
 * step goes out at once; within a step at most one per minIntervalMs, with the latest one held
 * back and sent when the interval has passed. After close() it reports nothing more.
 * Never throws: a listener's error goes to onListenerError.
 */
export class NmapProgressTracker {
  private readonly listener: NmapProgressListener;
  private readonly minIntervalMs: number;
  private readonly onListenerError: (error: unknown) => void;
  private step = 0;
  private current: NmapTaskProgress | null = null;
  private hostEnded = false;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private pending: NmapProgress | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: NmapProgressTrackerOptions) {
    this.listener = options.onProgress;
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    this.onListenerError = options.onListenerError ?? (() => undefined);
  }

  /** A <taskprogress> element's attributes, as the XML parser observed them. */
  taskProgress(attributes: unknown): void {
    if (this.closed) return;
    const report = parseTaskProgress(attributes);
    if (!report) return;
    const now = Date.now();
    const previous = this.current;
    if (previous === null || previous.task !== report.task || this.hostEnded) {
      this.hostEnded = false;
      this.step += 1;
      this.current = report;
      this.clearPending();
      this.send(this.progress(report, now));
      return;
    }
    // nmap's estimate can dip (e.g. when it adds retransmissions); the step's percent does not.
    const percent = Math.max(previous.percent, report.percent);
    if (percent === previous.percent && report.etaSeconds === previous.etaSeconds) return;
    this.current = withEta({ task: report.task, percent }, report.etaSeconds);
    const progress = this.progress(this.current, now);
    const wait = this.lastSentAt + this.minIntervalMs - now;
    if (wait <= 0) {
      this.clearPending();
      this.send(progress);
      return;
    }
    this.pending = progress;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        const held = this.pending;
        this.pending = null;
        if (held && !this.closed) this.send(held);
      }, wait);
      this.timer.unref();
    }
  }

  /** nmap wrote a finished host: the next report of the same task starts a new step. */
  hostEnd(): void {
    this.hostEnded = true;
  }

  /** No more reports, including any held back. Idempotent. */
  close(): void {
    this.closed = true;
    this.clearPending();
  }

  private progress(report: NmapTaskProgress, now: number): NmapProgress {
    return withEta(
      { task: report.task, step: this.step, percent: report.percent, at: new Date(now) },
      report.etaSeconds,
    );
  }

  private clearPending(): void {
    this.pending = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(progress: NmapProgress): void {
    this.lastSentAt = Date.now();
    try {
      this.listener(progress);
    } catch (error: unknown) {
      try {
        this.onListenerError(error);
      } catch {
        // Nothing more can be done with it; the scan must go on.
      }
    }
  }
}

function withEta<T extends object>(value: T, etaSeconds: number | undefined): T & { etaSeconds?: number } {
  return etaSeconds === undefined ? value : { ...value, etaSeconds };
}

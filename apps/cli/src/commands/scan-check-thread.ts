import { open } from 'node:fs/promises';
import { parentPort, Worker } from 'node:worker_threads';

import { errorChain } from '@driftwatch/core';

import { CliUsageError } from '@driftwatch/cli/cli-error';

import { readScan } from './read-scan';

/** The task a CLI worker thread is started for (workerData.task); main.ts dispatches on it. */
export const SCAN_CHECK_TASK = 'driftwatch:check-nmap-xml';

interface ScanCheckRequest {
  task: typeof SCAN_CHECK_TASK;
  xml: SharedArrayBuffer;
  length: number;
  file: string;
}

type ScanCheckReply = { ok: true } | { ok: false; message: string };

/** A check running elsewhere: its outcome, and a way to stop it when its answer is no longer needed. */
export interface RunningCheck {
  done: Promise<void>;
  cancel(): void;
}

/**
 * A file's bytes in memory another thread can read without a copy. A regular file is read straight
 * into it; anything else (a pipe, `<(…)`) has no size up front, so it is read, then copied.
 */
export async function readFileShared(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      const bytes = await handle.readFile();
      const shared = Buffer.from(new SharedArrayBuffer(bytes.length));
      bytes.copy(shared);
      return shared;
    }
    const shared = Buffer.from(new SharedArrayBuffer(stat.size));
    let filled = 0;
    while (filled < stat.size) {
      const { bytesRead } = await handle.read(shared, filled, stat.size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    // A file that grew while read is read as it was at the stat; one that shrank, as far as it goes.
    return shared.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * Checks `xml` as readScan({ checkOnly }) does, on a worker thread running `entry` (the CLI's
 * bundle; main.ts hands the thread to serveScanCheck), so the check of one file runs alongside
 * the rest of the diff on another core. `xml` must be backed by a SharedArrayBuffer
 * (readFileShared): the thread reads the same memory. Rejects with the CliUsageError the check
 * gives, or one naming the file when the thread fails.
 */
export function checkScanInThread(entry: string, xml: Buffer, file: string): RunningCheck {
  if (!(xml.buffer instanceof SharedArrayBuffer) || xml.byteOffset !== 0)
    throw new TypeError('checkScanInThread needs a buffer over the start of a SharedArrayBuffer');
  const request: ScanCheckRequest = {
    task: SCAN_CHECK_TASK,
    xml: xml.buffer,
    length: xml.length,
    file,
  };
  const worker = new Worker(entry, { workerData: request });
  let cancelled = false;
  const done = new Promise<void>((resolve, reject) => {
    let reply: ScanCheckReply | undefined;
    worker.once('message', (message: ScanCheckReply) => {
      reply = message;
    });
    worker.once('error', (error) => {
      reply ??= { ok: false, message: `cannot read ${file}: ${errorChain(error)}` };
    });
    worker.once('exit', (code) => {
      if (cancelled) resolve();
      else if (reply?.ok) resolve();
      else
        reject(
          new CliUsageError(reply?.message ?? `cannot read ${file}: its check ended with exit code ${code}`),
        );
    });
  });
  // Awaited only once the caller's own work is done: a failure before that is not unhandled.
  done.catch(() => undefined);
  return {
    done,
    cancel: () => {
      cancelled = true;
      void worker.terminate();
    },
  };
}

/** In a worker thread started by checkScanInThread: check the file and answer. */
export async function serveScanCheck(data: unknown): Promise<void> {
  const { xml, length, file } = data as ScanCheckRequest;
  let reply: ScanCheckReply;
  try {
    await readScan(Buffer.from(xml, 0, length), file, { checkOnly: true });
    reply = { ok: true };
  } catch (error: unknown) {
    reply = { ok: false, message: error instanceof CliUsageError ? error.message : errorChain(error) };
  }
  parentPort?.postMessage(reply);
}

/** Whether this thread was started to check a scan (workerData from checkScanInThread). */
export function isScanCheck(data: unknown): boolean {
  return (data as Partial<ScanCheckRequest> | null)?.task === SCAN_CHECK_TASK;
}

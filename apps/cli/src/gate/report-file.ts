import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';

import { errorChain } from '@driftwatch/core';

/**
 * `gate --output FILE`. A pipeline uploads FILE after the gate ran, so FILE must only ever hold
 * this run's whole report: it is written beside and renamed over FILE (never half a report), and
 * on an error (exit 2) a report an earlier run left is removed, so no stale verdict is uploaded.
 * A FILE that exists and is not a regular file (/dev/stdout, a FIFO) is written directly and
 * never removed: it holds no earlier report, and renaming over it would replace the device.
 */
export function writeReportFile(file: string, report: string): void {
  if (!isRegularOrMissing(file)) {
    writeFileSync(file, report);
    return;
  }
  const partial = `${file}.partial`;
  try {
    writeFileSync(partial, report);
    renameSync(partial, file);
  } catch (error: unknown) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Removes FILE when it is a regular file; returns why it could not be, or undefined. */
export function removeStaleReport(file: string): string | undefined {
  if (!isRegularOrMissing(file)) return undefined;
  try {
    rmSync(file, { force: true });
    return undefined;
  } catch (error: unknown) {
    return `the report ${file} an earlier run left could not be removed: ${errorChain(error)}`;
  }
}

function isRegularOrMissing(file: string): boolean {
  const info = statSync(file, { throwIfNoEntry: false });
  return info === undefined || info.isFile();
}

import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';

import { DriftwatchError, ErrorCode, errorChain, type NetworkObservation } from '@driftwatch/core';
import { diffObservations, formatChangesJson, formatChangesText } from '@driftwatch/drift';
import { parseNmapXml } from '@driftwatch/nmap';

import { CliUsageError } from '@driftwatch/cli/cli-error';

export const DIFF_USAGE = 'driftwatch diff OLD.xml NEW.xml [--format text|json]';

const FORMATS = ['text', 'json'] as const;
type Format = (typeof FORMATS)[number];

/**
 * `driftwatch diff OLD.xml NEW.xml`: what changed between two nmap XML files, like ndiff.
 * Needs no database, Redis or environment. Returns the exit code: 0 no changes, 1 changes
 * (as ndiff and diff(1)); unreadable or invalid input is a CliUsageError (exit 2).
 */
export async function diffCommand(args: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { format: { type: 'string', default: 'text' } },
    allowPositionals: true,
    strict: true,
  });
  const format = values.format as Format;
  if (!FORMATS.includes(format))
    throw new CliUsageError(`diff: --format must be text or json, not ${JSON.stringify(values.format)}`);
  const [oldFile, newFile] = positionals;
  if (positionals.length !== 2 || oldFile === undefined || newFile === undefined)
    throw new CliUsageError(`diff: give exactly two nmap XML files\nusage: ${DIFF_USAGE}`);

  // Both files parse concurrently; when both fail, OLD's error is the one reported.
  const [before, after] = await Promise.allSettled([readScan(oldFile), readScan(newFile)]).then((results) =>
    results.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    }),
  );
  if (!before || !after) throw new Error('diff: a parse result is missing');
  const changes = diffObservations(before, after);
  if (format === 'json') out(formatChangesJson(changes));
  else if (changes.length > 0) out(formatChangesText(changes));
  return changes.length > 0 ? 1 : 0;
}

async function readScan(file: string): Promise<NetworkObservation> {
  try {
    return await parseNmapXml(createReadStream(file));
  } catch (error: unknown) {
    if (error instanceof DriftwatchError && error.code === ErrorCode.NmapOutputInvalid)
      throw new CliUsageError(`${file}: ${error.message}`);
    throw new CliUsageError(`cannot read ${file}: ${errorChain(error)}`);
  }
}

import { parseArgs } from 'node:util';

import { errorChain } from '@driftwatch/core';
import { formatChangesJson, formatChangesText } from '@driftwatch/drift';

import { CliUsageError } from '@driftwatch/cli/cli-error';

import { diffNmapXmlFiles } from './diff-files';
import { readScan } from './read-scan';
import { checkScanInThread } from './scan-check-thread';

export const DIFF_USAGE = 'driftwatch diff OLD.xml NEW.xml [--format text|json]';

export const DIFF_HELP = `usage: ${DIFF_USAGE}

What changed between two nmap XML files (hosts up or down, ports opened or closed, services and
versions), as nmap's ndiff reports it. Needs no server.
Exit 0 no changes, 1 changes, 2 error.

options:
  --format text|json      one line per change, or {"changes": [...]} (default text)
  -h, --help              print this help`;

const FORMATS = ['text', 'json'] as const;
type Format = (typeof FORMATS)[number];

/**
 * `driftwatch diff OLD.xml NEW.xml`: what changed between two nmap XML files, like ndiff.
 * Needs no database, Redis or environment. Returns the exit code: 0 no changes, 1 changes
 * (as ndiff and diff(1)); unreadable or invalid input is a CliUsageError (exit 2). `threadEntry`
 * is the CLI's script, which a worker thread runs to check the old file alongside the diff; without
 * it everything runs on this thread.
 */
export async function diffCommand(
  args: string[],
  out: (s: string) => void,
  threadEntry?: string,
): Promise<number> {
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

  const checkInThread = threadEntry
    ? (xml: Buffer, file: string) => checkScanInThread(threadEntry, xml, file)
    : undefined;
  const changes = await diffNmapXmlFiles(oldFile, newFile, { parse: readScan, checkInThread }).catch(
    (error: unknown) => {
      if (error instanceof CliUsageError) throw error;
      throw new CliUsageError(`cannot read ${errorFile(error, oldFile, newFile)}: ${errorChain(error)}`);
    },
  );
  if (format === 'json') out(formatChangesJson(changes));
  else if (changes.length > 0) out(formatChangesText(changes));
  return changes.length > 0 ? 1 : 0;
}

/** Which file a read error is about (fs errors carry the path). */
function errorFile(error: unknown, oldFile: string, newFile: string): string {
  const path = (error as { path?: unknown }).path;
  return path === newFile ? newFile : oldFile;
}

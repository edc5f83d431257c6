import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

import { DriftwatchError, ErrorCode, errorChain, type NetworkObservation } from '@driftwatch/core';
import { formatChangesJson, formatChangesText } from '@driftwatch/drift';
import { parseNmapXml } from '@driftwatch/nmap';

import { CliUsageError } from '@driftwatch/cli/cli-error';

import { diffNmapXmlFiles } from './diff-files';

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

  const changes = await diffNmapXmlFiles(oldFile, newFile, readScan).catch((error: unknown) => {
    if (error instanceof CliUsageError) throw error;
    throw new CliUsageError(`cannot read ${errorFile(error, oldFile, newFile)}: ${errorChain(error)}`);
  });
  if (format === 'json') out(formatChangesJson(changes));
  else if (changes.length > 0) out(formatChangesText(changes));
  return changes.length > 0 ? 1 : 0;
}

async function readScan(xml: Buffer, file: string): Promise<NetworkObservation> {
  try {
    return await parseNmapXml(Readable.from([xml]));
  } catch (error: unknown) {
    if (error instanceof DriftwatchError && error.code === ErrorCode.NmapOutputInvalid)
      throw new CliUsageError(`${file}: ${error.message}`);
    throw new CliUsageError(`cannot read ${file}: ${errorChain(error)}`);
  }
}

/** Which file a read error is about (fs errors carry the path). */
function errorFile(error: unknown, oldFile: string, newFile: string): string {
  const path = (error as { path?: unknown }).path;
  return path === newFile ? newFile : oldFile;
}

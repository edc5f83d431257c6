import { Readable } from 'node:stream';

import { DriftwatchError, ErrorCode, errorChain, type NetworkObservation } from '@driftwatch/core';
import { type HostDocument, parseNmapXmlDetailed, relocateNmapXmlError } from '@driftwatch/nmap';

import { CliUsageError } from '@driftwatch/cli/cli-error';

export interface ParseOptions {
  /** Check all of it as a parse would, build nothing. */
  checkOnly?: boolean;
  /** For a document cut from `file`: where an error's line and column are in `file`. */
  originalPosition?: HostDocument['originalPosition'];
}

export type ParseXml = (xml: Buffer, file: string, options?: ParseOptions) => Promise<NetworkObservation>;

/**
 * nmap XML read as `evaluate` reads it; a refusal is a CliUsageError naming the file and the
 * line and column in it (exit 2).
 */
export async function readScan(
  xml: Buffer,
  file: string,
  options: ParseOptions = {},
): Promise<NetworkObservation> {
  try {
    const { checkOnly } = options;
    return (await parseNmapXmlDetailed(Readable.from(chunks(xml)), { checkOnly })).observation;
  } catch (caught: unknown) {
    const error = options.originalPosition ? relocateNmapXmlError(caught, options.originalPosition) : caught;
    if (error instanceof DriftwatchError && error.code === ErrorCode.NmapOutputInvalid)
      throw new CliUsageError(`${file}: ${error.message}`);
    throw new CliUsageError(`cannot read ${file}: ${errorChain(error)}`);
  }
}

/** A file in 64 KiB pieces, as a file stream gives it: the parser is faster on those than on one 100 MB string. */
function* chunks(xml: Buffer): Generator<Buffer> {
  for (let at = 0; at < xml.length; at += 64 * 1024) yield xml.subarray(at, at + 64 * 1024);
}

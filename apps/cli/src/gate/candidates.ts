import { existsSync, readFileSync } from 'node:fs';

import { CONFIG_KINDS, CONFIG_TAGS, type ConfigKind } from '@driftwatch/config-state';
import { errorChain } from '@driftwatch/core';
import { decodeNmapXml } from '@driftwatch/nmap';

import { CliUsageError } from '@driftwatch/cli/cli-error';
import { utf8Document } from '@driftwatch/cli/text-file';

export interface CandidateDocument {
  kind: ConfigKind;
  asset: string;
  tag?: string;
  content: string;
}

export interface Candidate {
  nmapXml?: string;
  documents: CandidateDocument[];
}

/**
 * `--candidate` arguments: `KIND[@TAG]:ASSET:FILE` is a configuration document about to be
 * applied; anything else is a FILE of nmap XML (at most one), whose path may hold colons
 * (`scan-10:00.xml`). The asset may hold colons too (IPv6, unquoted), and so may the document's
 * path: the file is the longest part after a colon that names an existing file, else the part
 * after the last colon.
 */
export function readCandidates(args: readonly string[]): Candidate {
  const candidate: Candidate = { documents: [] };
  for (const arg of args) {
    const first = arg.indexOf(':');
    const [kind = '', tag, ...extra] = first < 0 ? [] : arg.slice(0, first).split('@');
    if (first < 0 || !CONFIG_KINDS.includes(kind as ConfigKind)) {
      const hint =
        first < 0
          ? ''
          : ` (as a document KIND[@TAG]:ASSET:FILE, "${kind}" names no configuration kind; one of ${CONFIG_KINDS.join(', ')})`;
      const content = decodeNmapXml(readBytes(arg, hint));
      if (!/^\s*</.test(content.replace(/^\uFEFF/, '')))
        usage(arg, 'is not nmap XML; give a configuration document as KIND[@TAG]:ASSET:FILE');
      if (candidate.nmapXml !== undefined) usage(arg, 'is a second nmap XML file; give at most one');
      candidate.nmapXml = content;
      continue;
    }
    const { asset, file } = assetAndFile(arg.slice(first + 1));
    if (kind === 'json') usage(arg, 'json documents need a registered schema; push them with `collect`');
    if (extra.length > 0 || (tag !== undefined && !(CONFIG_TAGS as readonly string[]).includes(tag)))
      usage(arg, `has a bad tag (one of ${CONFIG_TAGS.join(', ')})`);
    if (asset === '' || file === '') usage(arg, 'needs the form KIND[@TAG]:ASSET:FILE');
    candidate.documents.push({
      kind: kind as ConfigKind,
      asset,
      ...(tag !== undefined ? { tag } : {}),
      content: utf8Document(readBytes(file), file, 'gate'),
    });
  }
  return candidate;
}

function assetAndFile(rest: string): { asset: string; file: string } {
  for (let i = rest.indexOf(':'); i >= 0; i = rest.indexOf(':', i + 1)) {
    if (i > 0 && existsSync(rest.slice(i + 1))) return { asset: rest.slice(0, i), file: rest.slice(i + 1) };
  }
  const last = rest.lastIndexOf(':');
  return last < 0 ? { asset: '', file: rest } : { asset: rest.slice(0, last), file: rest.slice(last + 1) };
}

function readBytes(file: string, hint = ''): Buffer {
  try {
    return readFileSync(file);
  } catch (error: unknown) {
    throw new CliUsageError(`gate: cannot read ${file}: ${errorChain(error)}${hint}`);
  }
}

function usage(arg: string, reason: string): never {
  throw new CliUsageError(`gate: --candidate ${JSON.stringify(arg)} ${reason}`);
}

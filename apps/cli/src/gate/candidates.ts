import { readFileSync } from 'node:fs';

import { CONFIG_KINDS, CONFIG_TAGS, type ConfigKind } from '@driftwatch/config-state';
import { errorChain } from '@driftwatch/core';

import { CliUsageError } from '@driftwatch/cli/cli-error';

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
 * `--candidate` arguments: a plain FILE is nmap XML (at most one); `KIND[@TAG]:ASSET:FILE` is a
 * configuration document about to be applied. The asset sits between the first and the last
 * colon, so an IPv6 asset needs no quoting.
 */
export function readCandidates(args: readonly string[]): Candidate {
  const candidate: Candidate = { documents: [] };
  for (const arg of args) {
    const first = arg.indexOf(':');
    const last = arg.lastIndexOf(':');
    if (first < 0) {
      const content = readText(arg);
      if (!/^\s*</.test(content.replace(/^\uFEFF/, '')))
        usage(arg, 'is not nmap XML; give a configuration document as KIND[@TAG]:ASSET:FILE');
      if (candidate.nmapXml !== undefined) usage(arg, 'is a second nmap XML file; give at most one');
      candidate.nmapXml = content;
      continue;
    }
    const [kind, tag, ...extra] = arg.slice(0, first).split('@');
    const asset = arg.slice(first + 1, last);
    const file = arg.slice(last + 1);
    if (!CONFIG_KINDS.includes(kind as ConfigKind))
      usage(arg, `names no configuration kind (one of ${CONFIG_KINDS.join(', ')})`);
    if (kind === 'json') usage(arg, 'json documents need a registered schema; push them with `collect`');
    if (extra.length > 0 || (tag !== undefined && !(CONFIG_TAGS as readonly string[]).includes(tag)))
      usage(arg, `has a bad tag (one of ${CONFIG_TAGS.join(', ')})`);
    if (asset === '' || file === '') usage(arg, 'needs the form KIND[@TAG]:ASSET:FILE');
    candidate.documents.push({
      kind: kind as ConfigKind,
      asset,
      ...(tag !== undefined ? { tag } : {}),
      content: readText(file),
    });
  }
  return candidate;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error: unknown) {
    throw new CliUsageError(`gate: cannot read ${file}: ${errorChain(error)}`);
  }
}

function usage(arg: string, reason: string): never {
  throw new CliUsageError(`gate: --candidate ${JSON.stringify(arg)} ${reason}`);
}

import { readFile } from 'node:fs/promises';

import type { NetworkObservation } from '@driftwatch/core';
import { type Change, diffObservations, identityAddress } from '@driftwatch/drift';
import {
  documentWithHosts,
  type HostBlock,
  type HostBlocks,
  sameHost,
  splitHostBlocks,
} from '@driftwatch/nmap';

export type ParseXml = (xml: Buffer, file: string) => Promise<NetworkObservation>;

interface Indexed {
  xml: Buffer;
  parts: HostBlocks;
  byKey: Map<string, HostBlock>;
}

/**
 * Diff two nmap XML files. Most hosts of a rescan are unchanged, and a host whose XML is the
 * same in both files (timing aside) can have no change, so only hosts that differ, appeared or
 * vanished are parsed into the model and diffed. Documents of unusual shape (a host without an
 * address, one identity twice) are parsed whole; the result is the same either way.
 */
export async function diffNmapXmlFiles(oldFile: string, newFile: string, parse: ParseXml): Promise<Change[]> {
  const [oldXml, newXml] = await Promise.all([readFile(oldFile), readFile(newFile)]);
  const a = index(oldXml);
  const b = index(newXml);
  if (!a || !b) {
    const [before, after] = await Promise.all([parse(oldXml, oldFile), parse(newXml, newFile)]);
    return diffObservations(before, after);
  }
  const keepA: HostBlock[] = [];
  const keepB: HostBlock[] = [];
  for (const [key, block] of a.byKey) {
    const other = b.byKey.get(key);
    if (!other) keepA.push(block);
    else if (!sameHost(a.xml, block, b.xml, other)) {
      keepA.push(block);
      keepB.push(other);
    }
  }
  for (const [key, block] of b.byKey) if (!a.byKey.has(key)) keepB.push(block);
  const [before, after] = await Promise.all([
    parse(documentWithHosts(a.xml, a.parts, keepA), oldFile),
    parse(documentWithHosts(b.xml, b.parts, keepB), newFile),
  ]);
  return diffObservations(before, after);
}

function index(xml: Buffer): Indexed | undefined {
  const parts = splitHostBlocks(xml);
  if (!parts) return undefined;
  const byKey = new Map<string, HostBlock>();
  for (const block of parts.blocks) {
    const id = identityAddress({ addresses: block.addresses });
    if (!id) return undefined;
    const key = `${id.type} ${id.addr}`;
    if (byKey.has(key)) return undefined;
    byKey.set(key, block);
  }
  return { xml, parts, byKey };
}

import { readFile } from 'node:fs/promises';

import { type Change, diffObservations, identityAddress } from '@driftwatch/drift';
import {
  documentWithHosts,
  type HostBlock,
  type HostBlocks,
  type HostDocument,
  sameHost,
  splitHostBlocks,
} from '@driftwatch/nmap';

import type { ParseOptions, ParseXml } from './read-scan';
import { readFileShared, type RunningCheck } from './scan-check-thread';

export interface DiffReading {
  parse: ParseXml;
  /**
   * Starts the check of the old file whole on another thread (checkScanInThread), given the file
   * read into shared memory. Without it the check runs on this thread, before the rest.
   */
  checkInThread?: (xml: Buffer, file: string) => RunningCheck;
}

interface Indexed {
  xml: Buffer;
  parts: HostBlocks;
  byKey: Map<string, HostBlock>;
}

/**
 * Diff two nmap XML files. Most hosts of a rescan are unchanged, and a host whose XML is the
 * same in both files (timing aside) can have no change, so only hosts that differ, appeared or
 * vanished are parsed into the model and diffed. Every host is still checked, as `evaluate` would
 * check it: the old file whole (a check builds no model, so it costs about half a parse; on its
 * own thread when one is given, alongside the rest), and in the new file what its unchanged hosts
 * do not share with the old one (their <host> tag and <times/>). An error in a cut-down document
 * is moved to its line and column in the file; of two errors, the old file's is reported.
 * Documents of unusual shape (a host without an address, one identity twice) are parsed whole;
 * the result is the same either way.
 */
export async function diffNmapXmlFiles(
  oldFile: string,
  newFile: string,
  reading: DiffReading,
): Promise<Change[]> {
  const { parse, checkInThread } = reading;
  const oldXml = await (checkInThread ? readFileShared(oldFile) : readFile(oldFile));
  // The thread starts (loading the CLI takes it a moment) while the new file is read.
  const check = checkInThread?.(oldXml, oldFile);
  try {
    const newXml = await readFile(newFile);
    const changes = diffChecked(oldXml, oldFile, newXml, newFile, parse, check === undefined);
    // The old file's error comes first, whichever thread finds its own first.
    const [checked, diffed] = await Promise.allSettled([check?.done, changes]);
    if (checked.status === 'rejected') throw checked.reason;
    if (diffed.status === 'rejected') throw diffed.reason;
    return diffed.value;
  } finally {
    check?.cancel();
  }
}

async function diffChecked(
  oldXml: Buffer,
  oldFile: string,
  newXml: Buffer,
  newFile: string,
  parse: ParseXml,
  checkOldHere: boolean,
): Promise<Change[]> {
  const a = index(oldXml);
  const b = index(newXml);
  if (!a || !b) {
    const [before, after] = await Promise.all([parse(oldXml, oldFile), parse(newXml, newFile)]);
    return diffObservations(before, after);
  }
  const changedA = new Set<HostBlock>();
  const changedB = new Set<HostBlock>();
  const sameInB = new Set<HostBlock>();
  for (const [key, block] of a.byKey) {
    const other = b.byKey.get(key);
    if (!other) changedA.add(block);
    else if (sameHost(a.xml, block, b.xml, other)) sameInB.add(other);
    else {
      changedA.add(block);
      changedB.add(other);
    }
  }
  for (const [key, block] of b.byKey) if (!a.byKey.has(key)) changedB.add(block);

  const cut = (doc: HostDocument, file: string, options: ParseOptions = {}) =>
    parse(doc.xml, file, { ...options, originalPosition: doc.originalPosition });
  // Checked first, each file in order, so the error reported is the first of the first bad file.
  if (checkOldHere) await parse(a.xml, oldFile, { checkOnly: true });
  await cut(documentWithHosts(b.xml, b.parts, { whole: changedB, ignoredOnly: sameInB }), newFile, {
    checkOnly: true,
  });
  const before = await cut(documentWithHosts(a.xml, a.parts, { whole: changedA }), oldFile);
  const after = await cut(documentWithHosts(b.xml, b.parts, { whole: changedB }), newFile);
  return diffObservations(before, after);
}

function index(xml: Buffer): Indexed | undefined {
  const parts = splitHostBlocks(xml);
  if (!parts) return undefined;
  const byKey = new Map<string, HostBlock>();
  for (const block of parts.blocks) {
    const id = identityAddress({ addresses: block.addresses });
    if (!id) return undefined;
    // IPv4 (most hosts) by the address alone: other families' keys have a space, which no address has.
    const key = id.type === 'ipv4' ? id.addr : `${id.type} ${id.addr}`;
    if (byKey.has(key)) return undefined;
    byKey.set(key, block);
  }
  return { xml, parts, byKey };
}

import { setImmediate as nextTurn } from 'node:timers/promises';

import { type HostObservation, ListContentHash, storedHost } from '@driftwatch/core';

// Long CPU work in the API process (a large snapshot's evidence) is cut into batches with a turn
// of the event loop between them, so the requests arriving meanwhile are served, not held.

/** `visit` of every item, in order, yielding to the event loop after each batch. */
export async function eachCooperatively<T>(
  items: Iterable<T>,
  visit: (item: T) => void,
  itemsPerBatch = 256,
): Promise<void> {
  let n = 0;
  for (const item of items) {
    visit(item);
    if (++n % itemsPerBatch === 0) await nextTurn();
  }
}

/** UTF-8 buffers of text parts (e.g. one per host of a snapshot), a batch per buffer, cooperatively. */
export async function encodeParts(parts: Iterable<string>, partsPerBatch = 256): Promise<Buffer[]> {
  const buffers: Buffer[] = [];
  let batch: string[] = [];
  for (const part of parts) {
    batch.push(part);
    if (batch.length === partsPerBatch) {
      buffers.push(Buffer.from(batch.join(''), 'utf8'));
      batch = [];
      await nextTurn();
    }
  }
  if (batch.length > 0) buffers.push(Buffer.from(batch.join(''), 'utf8'));
  return buffers;
}

/** snapshotContentHash of `hosts`, host by host, cooperatively: the same value. */
export async function snapshotContentHashCooperatively(hosts: readonly HostObservation[]): Promise<string> {
  const hash = new ListContentHash();
  await eachCooperatively(hosts, (host) => hash.add(storedHost(host)));
  return hash.digest();
}

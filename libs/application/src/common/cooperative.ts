import { Readable } from 'node:stream';
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
  for await (const buffer of encodedBatches(parts, (count) => count === partsPerBatch)) buffers.push(buffer);
  return buffers;
}

/** snapshotContentHash of `hosts`, host by host, cooperatively: the same value. */
export async function snapshotContentHashCooperatively(hosts: readonly HostObservation[]): Promise<string> {
  const hash = new ListContentHash();
  await eachCooperatively(hosts, (host) => hash.add(storedHost(host)));
  return hash.digest();
}

/** Runs work written as steps (a generator that pauses between batches) with a turn of the event loop at each pause. */
export async function runCooperatively<T>(steps: Generator<unknown, T, undefined>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}

/**
 * Text parts as a byte stream of about `chunkChars` characters per chunk, encoded only as the
 * reader asks for more, with a turn of the event loop after each chunk: a response of a gigabyte
 * is never held whole, and a fast reader on loopback (whose socket accepts every write at once,
 * so the stream never has to wait) cannot keep other requests waiting until the last byte.
 */
export function encodedStream(parts: Iterable<string>, chunkChars = 64 * 1024): Readable {
  return Readable.from(
    encodedBatches(parts, (_, chars) => chars >= chunkChars),
    { objectMode: false },
  );
}

/**
 * The parts joined into batches, each batch ended when `full(parts, characters)` says so and
 * encoded as UTF-8, with a turn of the event loop after every full batch.
 */
async function* encodedBatches(
  parts: Iterable<string>,
  full: (count: number, chars: number) => boolean,
): AsyncGenerator<Buffer, void, undefined> {
  let batch: string[] = [];
  let chars = 0;
  for (const part of parts) {
    batch.push(part);
    chars += part.length;
    if (full(batch.length, chars)) {
      yield Buffer.from(batch.join(''), 'utf8');
      batch = [];
      chars = 0;
      await nextTurn();
    }
  }
  if (batch.length > 0) yield Buffer.from(batch.join(''), 'utf8');
}

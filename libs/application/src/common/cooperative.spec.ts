import { buffer } from 'node:stream/consumers';

import { snapshotContentHash, type HostObservation } from '@driftwatch/core';

import {
  eachCooperatively,
  encodedStream,
  encodeParts,
  runCooperatively,
  snapshotContentHashCooperatively,
} from './cooperative';

describe('cooperative batches', () => {
  it('encodes the parts, in order, as UTF-8 buffers of a batch each', async () => {
    const parts = Array.from({ length: 7 }, (_, i) => `<host n="${i}">é</host>`);
    const buffers = await encodeParts(parts, 3);
    expect(buffers).toHaveLength(3);
    expect(Buffer.concat(buffers).toString('utf8')).toBe(parts.join(''));
    expect(await encodeParts([], 3)).toEqual([]);
  });

  it('visits every item in order', async () => {
    const visited: number[] = [];
    await eachCooperatively([1, 2, 3, 4, 5], (n) => visited.push(n), 2);
    expect(visited).toEqual([1, 2, 3, 4, 5]);
  });

  it('lets other work run between batches', async () => {
    const seen: string[] = [];
    function* parts() {
      for (let i = 0; i < 4; i++) {
        seen.push(`part ${i}`);
        yield `${i}`;
      }
    }
    const other = new Promise<void>((resolve) =>
      setImmediate(() => {
        seen.push('other');
        resolve();
      }),
    );
    await Promise.all([encodeParts(parts(), 2), other]);
    expect(seen).toEqual(['part 0', 'part 1', 'other', 'part 2', 'part 3']);
  });

  it('hashes a snapshot to snapshotContentHash, across batches', async () => {
    const hosts = Array.from({ length: 600 }, (_, i): HostObservation => ({
      status: 'up',
      addresses: [{ addr: `10.0.${i >> 8}.${i & 255}`, type: 'ipv4' }],
      hostnames: [],
      extraPorts: [],
      os: [],
      scripts: [],
      ports: [{ protocol: 'tcp', port: 22, state: 'open', reason: 'syn-ack', scripts: [] }],
    }));
    await expect(snapshotContentHashCooperatively(hosts)).resolves.toBe(snapshotContentHash(hosts));
  });

  it('runs steps to their result, letting other work run at each pause', async () => {
    const seen: string[] = [];
    function* steps(): Generator<void, number, undefined> {
      seen.push('step 1');
      yield;
      seen.push('step 2');
      return 42;
    }
    const other = new Promise<void>((resolve) =>
      setImmediate(() => {
        seen.push('other');
        resolve();
      }),
    );
    const [result] = await Promise.all([runCooperatively(steps()), other]);
    expect(result).toBe(42);
    expect(seen).toEqual(['step 1', 'other', 'step 2']);
  });

  it('streams parts as UTF-8 chunks of about the chunk size, encoding only as they are read', async () => {
    let written = 0;
    function* parts() {
      for (let i = 0; i < 1000; i++) {
        written++;
        yield `"é${i}",`;
      }
    }
    const stream = encodedStream(parts(), 40);
    const first = (await stream[Symbol.asyncIterator]().next()).value as Buffer;
    // Parts of 5 characters (up to i = 9): the first chunk ends with the part that reaches 40.
    expect(first.toString('utf8')).toBe(Array.from({ length: 8 }, (_, i) => `"é${i}",`).join(''));
    expect(written).toBeLessThan(1000);
    stream.destroy();
    const all = await buffer(encodedStream(parts(), 7));
    expect(all.toString('utf8')).toBe(Array.from({ length: 1000 }, (_, i) => `"é${i}",`).join(''));
  });

  it('lets other work run between chunks even when the reader takes every chunk at once', async () => {
    const parts = Array.from({ length: 100 }, (_, i) => `part ${i};`);
    let chunksRead = 0;
    let chunksReadWhenOtherRan = -1;
    const other = new Promise<void>((resolve) =>
      setImmediate(() => {
        chunksReadWhenOtherRan = chunksRead;
        resolve();
      }),
    );
    for await (const chunk of encodedStream(parts, 1)) {
      expect(chunk).toBeInstanceOf(Buffer);
      chunksRead++;
    }
    await other;
    expect(chunksRead).toBe(100);
    expect(chunksReadWhenOtherRan).toBeGreaterThan(0);
    expect(chunksReadWhenOtherRan).toBeLessThan(100);
  });
});

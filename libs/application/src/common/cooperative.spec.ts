import { snapshotContentHash, type HostObservation } from '@driftwatch/core';

import { eachCooperatively, encodeParts, snapshotContentHashCooperatively } from './cooperative';

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
});

import { get } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { ExportService } from '@driftwatch/application';
import { type ApiClient, apiWithoutWorkers, type ApiWithoutWorkers } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import { waitFor } from '@driftwatch/test/services';
import { httpServer } from '@driftwatch/test/test-app';

// 300 hosts with telnet and http open: more than two pages (of 500) of findings.
const HOSTS = Array.from({ length: 300 }, (_, i) => ({
  addr: i < 250 ? `192.0.2.${i + 1}` : `198.51.100.${i - 249}`,
  ports: [
    [23, 'telnet'],
    [80, 'http'],
  ] as [number, string][],
}));

/**
 * A CSV export walks the list in pages over the whole download. An evaluation that runs
 * meanwhile moves every finding's last-seen time, the default sort key: read page by page, rows
 * crossed the cursor and the file silently lost them (or repeated them, in ascending order).
 */
describe('a findings export while an evaluation runs', () => {
  let harness: ApiWithoutWorkers;
  let app: INestApplication;
  let api: ApiClient;

  beforeAll(async () => {
    // No worker: this test runs the evaluations where it wants them.
    harness = await apiWithoutWorkers({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24,198.51.100.0/24' });
    ({ app, api } = harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  const importAndEvaluate = async (scopeId: string, start: number) => {
    await harness.evaluate(await harness.scanner.importXml(scopeId, openPortsXml(HOSTS, start)));
  };

  it.each(['-lastSeenAt', 'lastSeenAt'] as const)(
    'holds every finding exactly once, as of when it started (sort %s)',
    async (sort) => {
      const scopeId = await api.createScope({
        name: `export-${sort}`,
        targets: ['192.0.2.0/24', '198.51.100.0/24'],
        ports: [23, 80],
        approvedPorts: [],
        scripts: [],
      });
      await importAndEvaluate(scopeId, 1_790_000_000);
      const [{ n }] = await app
        .get(DataSource)
        .query<{ n: string }[]>('SELECT count(*) AS n FROM findings WHERE scope_id = $1', [scopeId]);
      const total = Number(n);
      expect(total).toBeGreaterThan(1000);

      const file = await app.get(ExportService).findingsCsv({ scope: scopeId, sort });
      const chunks = file.lines[Symbol.asyncIterator]();
      const text: string[] = [];
      // The header and the first page; then a rescan is evaluated before the next page is read.
      for (let i = 0; i < 2; i++) text.push(String((await chunks.next()).value));
      await importAndEvaluate(scopeId, 1_790_000_600);
      for (let r = await chunks.next(); !r.done; r = await chunks.next()) text.push(String(r.value));
      const rows = text
        .join('')
        .split('\r\n')
        .filter((line) => line !== '');

      const ids = rows.slice(1).map((line) => line.split(',')[0]);
      expect({ rows: ids.length, distinct: new Set(ids).size }).toEqual({ rows: total, distinct: total });
      await file.close();
    },
  );

  it('gives its database connection back when the client leaves mid-download', async () => {
    const scopeId = await api.createScope({
      name: 'export-abandoned',
      targets: ['192.0.2.0/24', '198.51.100.0/24'],
      ports: [23, 80],
      approvedPorts: [],
      scripts: [],
    });
    await importAndEvaluate(scopeId, 1_790_000_000);
    const openReads = async () => {
      const [{ n }] = await app.get(DataSource).query<{ n: string }[]>(
        `SELECT count(*) AS n FROM pg_stat_activity
           WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      );
      return Number(n);
    };
    const { port } = httpServer(app).address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const request = get(
        { host: '127.0.0.1', port, path: `/api/v1/exports/findings.csv?scope=${scopeId}`, headers: api.auth },
        (response) => {
          expect(response.statusCode).toBe(200);
          // The first bytes arrived: the read is open. Then the client goes away.
          response.once('data', () => {
            request.destroy();
            resolve();
          });
        },
      );
      request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
    });
    await waitFor('the export read to end', async () => ((await openReads()) === 0 ? true : undefined));
  });
});

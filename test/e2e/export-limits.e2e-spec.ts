import { type ClientRequest, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { type ApiClient, apiWithoutWorkers, type ApiWithoutWorkers } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import { waitFor } from '@driftwatch/test/services';
import { httpServer, textBody } from '@driftwatch/test/test-app';

/** Findings enough that their CSV (~20 MB) cannot all sit in the socket's and the stream's buffers. */
const FINDINGS = 60_000;

/**
 * Each CSV download holds a database connection until its last row is read. Ten clients that
 * asked for an export and read nothing held the whole pool: every other request answered 503
 * and /health said the database was down, for as long as they kept their sockets open.
 */
describe('CSV exports and the database pool', () => {
  let harness: ApiWithoutWorkers;
  let app: INestApplication;
  let api: ApiClient;
  let scopeId: string;
  let port: number;

  beforeAll(async () => {
    harness = await apiWithoutWorkers({
      SCAN_ALLOWED_NETWORKS: '192.0.2.0/24',
      API_EXPORT_CONCURRENCY: '1',
      API_EXPORT_STALL_SECONDS: '2',
    });
    ({ app, api } = harness);
    ({ port } = httpServer(app).address() as AddressInfo);
    scopeId = await api.createScope({
      name: 'export-limits',
      targets: ['192.0.2.0/24'],
      ports: [23],
      approvedPorts: [],
      scripts: [],
    });
    const { snapshotId } = await harness.scanner.importXml(
      scopeId,
      openPortsXml([{ addr: '192.0.2.1', ports: [[23, 'telnet']] }]),
    );
    await app.get(DataSource).query(
      `INSERT INTO findings (scope_id, fingerprint, rule_id, title, requirements, severity, asset, subject, port,
         protocol, message, remediation, evidence, status, first_seen_at, last_seen_at,
         first_snapshot_id, last_snapshot_id, policy_version)
       SELECT $1, encode(sha256(('limits-' || g)::bytea), 'hex'), 'pci-dss-v4.test-rule', 'Test rule fails',
         ARRAY['PCI DSS v4.0.1 1.2.5'], 'high', '192.0.2.' || (1 + g % 250), 'tcp/' || g, 1 + g % 60000, 'tcp',
         '192.0.2.' || (1 + g % 250) || ' tcp/' || g || ' runs a service the policy does not allow here',
         'Disable the service', jsonb_build_object('port', g), 'open', now() - interval '1 day', now(),
         $2, $2, 'test'
       FROM generate_series(1, $3::int) AS g`,
      [scopeId, snapshotId, FINDINGS],
    );
  });

  afterAll(async () => {
    await harness?.close();
  });

  /** Transactions open on the API's database other than this probe's: the exports' reads. */
  const openReads = async () => {
    const [{ n }] = await app.get(DataSource).query<{ n: string }[]>(
      `SELECT count(*) AS n FROM pg_stat_activity
         WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()`,
    );
    return Number(n);
  };

  /** An export request whose client reads only the headers, then nothing more. */
  const stalledDownload = () =>
    new Promise<{ request: ClientRequest; response: IncomingMessage }>((resolve, reject) => {
      const request = get(
        { host: '127.0.0.1', port, path: `/api/v1/exports/findings.csv?scope=${scopeId}`, headers: api.auth },
        (response) => {
          response.pause();
          resolve({ request, response });
        },
      );
      request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
    });

  it('cuts a download whose client reads nothing, and gives its connection back', async () => {
    const { request, response } = await stalledDownload();
    expect(response.statusCode).toBe(200);
    expect(await openReads()).toBe(1);
    // The client reads nothing past the stall time: the server ends the read by itself.
    await waitFor('the export read to end', async () => ((await openReads()) === 0 ? true : undefined));
    // Reading now, the client gets what was sent, then the connection closes without the last
    // chunk: a broken download, not a short file that looks whole.
    const complete = await new Promise<boolean>((resolve) => {
      response.on('error', () => undefined);
      response.once('close', () => resolve(response.complete));
      response.resume();
    });
    expect(complete).toBe(false);
    request.destroy();
  });

  it('refuses an export beyond the concurrency with 429, and runs it once the slot is free', async () => {
    const first = await stalledDownload();
    expect(first.response.statusCode).toBe(200);
    const refused = await api
      .http()
      .get(`/api/v1/exports/changes.csv?scope=${scopeId}`)
      .set(api.auth)
      .expect(429);
    expect(refused.body).toMatchObject({ code: 'RATE_LIMITED', detail: expect.stringMatching(/1 export/) });
    // The rest of the API still answers.
    await api.http().get(`/api/v1/findings?scope=${scopeId}&limit=1`).set(api.auth).expect(200);
    first.request.destroy();
    await waitFor('the export read to end', async () => ((await openReads()) === 0 ? true : undefined));
    const whole = await api
      .http()
      .get(`/api/v1/exports/findings.csv?scope=${scopeId}`)
      .set(api.auth)
      .buffer(true)
      .parse(textBody)
      .expect(200);
    const rows = (whole.body as string).split('\r\n').filter((line) => line !== '');
    expect(rows).toHaveLength(FINDINGS + 1); // the header and every finding
  });
});

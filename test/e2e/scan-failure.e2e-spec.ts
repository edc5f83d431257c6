import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import type { ScanResponseDto } from '@driftwatch/application';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/** A scan whose every attempt fails ends marked failed, with the reason, after its retries. */
describe('a failing scan', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let auth: { Authorization: string };

  beforeAll(async () => {
    // A worker whose nmap is missing: every attempt fails the same way.
    env = await createTestEnvironment({
      NMAP_PATH: '/nonexistent/nmap',
      SCAN_ATTEMPTS: '2',
      SCAN_BACKOFF_MS: '100',
    });
    app = await createHttpApp(env.config, 'standalone');
    auth = { Authorization: `Bearer ${(await keysForRoles(app, ['analyst'])).analyst}` };
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('is retried with backoff, then marked failed with its reason and no snapshot', async () => {
    const http = () => request(httpServer(app));
    const scope = await http()
      .post('/api/v1/scopes')
      .set(auth)
      .send({ name: 'no-nmap', targets: ['127.0.0.1'], ports: [9] })
      .expect(201);
    const accepted = await http()
      .post(`/api/v1/scopes/${(scope.body as { id: string }).id}/scans`)
      .set(auth)
      .expect(202);
    const scanId = (accepted.body as { id: string }).id;
    const scan = await waitFor('the scan to fail', async () => {
      const body = (await http().get(`/api/v1/scans/${scanId}`).set(auth).expect(200))
        .body as ScanResponseDto;
      return body.status === 'failed' ? body : undefined;
    });
    expect(scan).toMatchObject({
      status: 'failed',
      attempts: 2,
      snapshotId: null,
      finishedAt: expect.any(String),
    });
    expect(scan.error).toMatch(/nmap/i);

    const health = await http().get('/health');
    expect(health.status).toBe(503);
    expect((health.body as { checks: { nmap: { status: string } } }).checks.nmap.status).toBe('down');
  });
});

import type { INestApplication } from '@nestjs/common';

import { ApiClient } from '@driftwatch/test/api-client';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/** A scan whose every attempt fails ends marked failed, with the reason, after its retries. */
describe('a failing scan', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let api: ApiClient;

  beforeAll(async () => {
    // A worker whose nmap is missing: every attempt fails the same way.
    env = await createTestEnvironment({
      NMAP_PATH: '/nonexistent/nmap',
      SCAN_ATTEMPTS: '2',
      SCAN_BACKOFF_MS: '100',
    });
    app = await createHttpApp(env.config, 'standalone');
    api = new ApiClient(app, (await keysForRoles(app, ['analyst'])).analyst);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('retries its shard with backoff, then marks the scan failed with the reason and no snapshot', async () => {
    const scopeId = await api.createScope({ name: 'no-nmap', targets: ['127.0.0.1'], ports: [9] });
    const scan = await api.waitForScan(await api.requestScan(scopeId), ['failed']);
    expect(scan).toMatchObject({
      status: 'failed',
      snapshotId: null,
      finishedAt: expect.any(String),
    });
    expect(scan.error).toMatch(/every shard failed: 127\.0\.0\.0\/24: .*nmap/i);
    expect(scan.shards).toEqual([
      expect.objectContaining({
        block: '127.0.0.0/24',
        targets: ['127.0.0.1'],
        status: 'failed',
        attempts: 2,
      }),
    ]);

    const health = await api.http().get('/health');
    expect(health.status).toBe(503);
    expect((health.body as { checks: { nmap: { status: string } } }).checks.nmap.status).toBe('down');
  });
});

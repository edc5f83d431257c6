import { randomUUID } from 'node:crypto';

import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';

import type { FindingListResponseDto } from '@driftwatch/application';
import { jobIds, QueueName, ScanQueue } from '@driftwatch/queue';
import { ApiClient, scopeWithSnapshot } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import { waitFor } from '@driftwatch/test/services';
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
  let keys: Record<'analyst' | 'scanner' | 'auditor', string>;

  beforeAll(async () => {
    // A worker whose nmap is missing: every attempt fails the same way.
    env = await createTestEnvironment({
      NMAP_PATH: '/nonexistent/nmap',
      SCAN_ATTEMPTS: '2',
      SCAN_BACKOFF_MS: '100',
    });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['analyst', 'scanner', 'auditor']);
    api = new ApiClient(app, keys.analyst);
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

  // An enqueue that timed out (the API answered 503 and rolled the scan back) can still land once
  // Redis answers: its job used to spend every attempt and backoff looking for the scan.
  it('fails a job whose scan does not exist at its first attempt', async () => {
    const scanId = randomUUID();
    await app.get(ScanQueue).enqueueManualScan(scanId, 'default');
    const job = await waitFor('the orphan job to fail', async () => {
      const found = await app.get(ScanQueue).queueFor('default').getJob(`manual-${scanId}`);
      return (await found?.getState()) === 'failed' ? found : undefined;
    });
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain(`scan ${scanId} not found`);
  });

  it("opens a 10.7.2 finding on the scope's latest snapshot when a scan fails, resolved by the next completed one", async () => {
    const xml = (start: number) => openPortsXml([{ addr: '127.0.0.1', ports: [[22, 'ssh']] }], start);
    const scopeId = await scopeWithSnapshot(
      app,
      keys,
      { name: 'failing-later', targets: ['127.0.0.1'], ports: [22], approvedPorts: [22] },
      xml(1_790_000_000),
    );
    const coverage = async () =>
      (
        (
          await api
            .http()
            .get('/api/v1/findings')
            .query({ scope: scopeId, rule: 'pci-dss-v4.10.7.2-scan-failed', limit: 10 })
            .set({ Authorization: `Bearer ${keys.auditor}` })
            .expect(200)
        ).body as FindingListResponseDto
      ).items;
    expect(await coverage()).toEqual([]);

    const failed = await api.waitForScan(await api.requestScan(scopeId), ['failed']);
    const [finding] = await waitFor('the scan-failed finding', async () => {
      const items = await coverage();
      return items.length > 0 ? items : undefined;
    });
    expect(finding).toMatchObject({
      status: 'open',
      severity: 'high',
      requirements: expect.arrayContaining(['PCI DSS v4.0.1 10.7.2']) as unknown,
      firstFailedAt: failed.finishedAt,
    });
    expect(finding?.message).toContain(`The latest scan of scope ${scopeId} failed`);
    expect(finding?.message).toContain('every shard failed');

    // A completed scan (an import stands for one) watches the scope again.
    const imported = await api
      .http()
      .post(`/api/v1/scopes/${scopeId}/snapshots`)
      .set({ Authorization: `Bearer ${keys.scanner}` })
      .set('Content-Type', 'application/xml')
      .send(xml(Math.floor(Date.now() / 1000) + 60))
      .expect(201);
    await api.waitForScan((imported.body as { scanId: string }).scanId);
    const [after] = await coverage();
    expect(after).toMatchObject({ id: finding?.id, status: 'resolved' });
  });

  it('records nothing for a scope whose first scan failed: there is no snapshot to attach a finding to', async () => {
    const scopeId = await api.createScope({ name: 'never-scanned', targets: ['127.0.0.1'], ports: [22] });
    const scanId = await api.requestScan(scopeId);
    await api.waitForScan(scanId, ['failed']);
    // The failure's evaluation ran, and said why it stored nothing.
    const evaluate = app.get<Queue>(getQueueToken(QueueName.Evaluate));
    const outcome = await waitFor('the evaluation after the failure', async () => {
      const job = await evaluate.getJob(jobIds.failureEvaluation(scanId));
      return job && (await job.isCompleted()) ? (job.returnvalue as unknown) : undefined;
    });
    expect(outcome).toEqual({
      kind: 'skipped',
      reason: 'the scope has no snapshot yet to attach a finding to',
    });
    const evaluations = await api
      .http()
      .get(`/api/v1/scopes/${scopeId}/evaluations`)
      .set(api.auth)
      .expect(200);
    expect((evaluations.body as { items: unknown[] }).items).toEqual([]);
    const findings = await api
      .http()
      .get('/api/v1/findings')
      .query({ scope: scopeId })
      .set({ Authorization: `Bearer ${keys.auditor}` })
      .expect(200);
    expect((findings.body as FindingListResponseDto).items).toEqual([]);
  });
});

import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { type Queue, UnrecoverableError, Worker } from 'bullmq';

import { Clock, ScanExecutor, type ScanResponseDto, ScanSweep } from '@driftwatch/application';
import { QueueName, redisOptionsFromUrl, ScanQueue, scanQueueName } from '@driftwatch/queue';
import { type ApiClient, apiWithoutWorkers, type ApiWithoutWorkers } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import { waitFor } from '@driftwatch/test/services';

/**
 * A scan's row (PostgreSQL) and its job (Redis) can part: Redis loses the job (a flush, a failover
 * without persistence), or a worker's failure handler cannot reach the database. The scan then
 * stayed queued, running or evaluating for ever; the sweep puts the two back together.
 */
describe('the scan sweep', () => {
  let harness: ApiWithoutWorkers;
  let env: ApiWithoutWorkers['env'];
  let app: INestApplication;
  let api: ApiClient;
  let scanner: ApiClient;
  let scopeId: string;

  beforeAll(async () => {
    // No worker takes the jobs, so they stay where this test puts them.
    harness = await apiWithoutWorkers({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    ({ env, app, api, scanner } = harness);
    scopeId = await api.createScope({ name: 'swept', targets: ['192.0.2.0/30'], ports: [22], scripts: [] });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await harness?.close();
  });

  const sweep = () => app.get(ScanSweep).sweep();
  const scanQueue = () => app.get(ScanQueue).queueFor('default');
  const scanOf = async (id: string) =>
    (await api.http().get(`/api/v1/scans/${id}`).set(api.auth).expect(200)).body as ScanResponseDto;
  const requestScan = async () =>
    (
      (await api.http().post(`/api/v1/scopes/${scopeId}/scans`).set(api.auth).expect(202)).body as {
        id: string;
      }
    ).id;

  it('enqueues a queued scan whose job Redis lost again, once', async () => {
    const scanId = await requestScan();
    await expect(sweep()).resolves.toEqual({ requeued: 0, failed: 0 });
    expect(await scanQueue().remove(`manual-${scanId}`)).toBe(1);

    await expect(sweep()).resolves.toEqual({ requeued: 1, failed: 0 });
    expect(await (await scanQueue().getJob(`manual-${scanId}`))?.getState()).toBe('waiting');
    // The job is back: the next sweep adds nothing.
    await expect(sweep()).resolves.toEqual({ requeued: 0, failed: 0 });
    // Cancelled (its job removed with it), it is no longer the sweep's business.
    await api.http().delete(`/api/v1/scans/${scanId}`).set(api.auth).expect(200);
    await expect(sweep()).resolves.toEqual({ requeued: 0, failed: 0 });
  });

  it('enqueues a scheduled scan whose job Redis lost again under its slot id, which finds the same scan', async () => {
    const slot = new Date('2026-11-24T10:15:00Z');
    // What a worker does when it first takes a scheduled job: the scan row for the scope and slot.
    const scan = await app.get(ScanExecutor).scheduledScan(scopeId, 'default', slot);
    const jobId = `scheduled-${scopeId}-${slot.getTime()}`;
    expect(await scanQueue().getJob(jobId)).toBeUndefined();

    await expect(sweep()).resolves.toEqual({ requeued: 1, failed: 0 });
    expect((await scanQueue().getJob(jobId))?.data).toEqual({ scopeId, slot: slot.toISOString() });
    // The job's first run finds that row again rather than creating a second scan.
    expect((await app.get(ScanExecutor).scheduledScan(scopeId, 'default', slot)).id).toBe(scan.id);
    await api.http().delete(`/api/v1/scans/${scan.id}`).set(api.auth).expect(200);
  });

  it('enqueues the evaluation of a stored snapshot whose evaluation job Redis lost again', async () => {
    const imported = await scanner.importXml(
      scopeId,
      openPortsXml([{ addr: '192.0.2.1', ports: [[22, 'ssh']] }]),
    );
    const evaluations = app.get<Queue>(getQueueToken(QueueName.Evaluate));
    const jobId = `evaluate-${imported.snapshotId}`;
    expect(await evaluations.remove(jobId)).toBe(1);

    await expect(sweep()).resolves.toEqual({ requeued: 1, failed: 0 });
    expect((await evaluations.getJob(jobId))?.data).toEqual({
      scanId: imported.scanId,
      snapshotId: imported.snapshotId,
    });
    expect((await scanOf(imported.scanId)).status).toBe('evaluating');
    await expect(sweep()).resolves.toEqual({ requeued: 0, failed: 0 });
  });

  it('records the failure of a scan whose job failed for good while its worker could not say so', async () => {
    const scanId = await requestScan();
    // A worker whose job fails for good and whose failure handler never reaches the database.
    const worker = new Worker(
      scanQueueName('default'),
      () => Promise.reject(new UnrecoverableError('nmap exited with code 1')),
      { connection: redisOptionsFromUrl(env.config.redis.url), prefix: env.config.redis.prefix },
    );
    try {
      await waitFor(
        'the scan job to fail',
        async () => (await (await scanQueue().getJob(`manual-${scanId}`))?.getState()) === 'failed',
        { timeoutMs: 20_000 },
      );
    } finally {
      await worker.close();
    }
    expect((await scanOf(scanId)).status).toBe('queued');
    // Within a minute of the failure the worker's own handler may still be recording it.
    await expect(sweep()).resolves.toEqual({ requeued: 0, failed: 0 });

    const clock = app.get(Clock);
    const real = clock.now.bind(clock);
    jest.spyOn(clock, 'now').mockImplementation(() => new Date(real().getTime() + 61_000));
    await expect(sweep()).resolves.toEqual({ requeued: 0, failed: 1 });
    expect(await scanOf(scanId)).toMatchObject({
      status: 'failed',
      error: 'scan job failed: nmap exited with code 1',
    });
    await expect(sweep()).resolves.toEqual({ requeued: 0, failed: 0 });
  });
  // A scope moved to another zone while its scan waited: the sweep looked for the job in the new
  // zone's queue, found none and queued the scan there too, and two workers ran it.
  it("looks for a scan's job on the vantage it was queued on, though its scope has moved since", async () => {
    const moving = await api.createScope({
      name: 'moving',
      targets: ['192.0.2.0/30'],
      ports: [22],
      scripts: [],
    });
    const scanId = (
      (await api.http().post(`/api/v1/scopes/${moving}/scans`).set(api.auth).expect(202)).body as {
        id: string;
      }
    ).id;
    await api.http().patch(`/api/v1/scopes/${moving}`).set(api.auth).send({ vantage: 'zone-b' }).expect(200);
    await expect(sweep()).resolves.toEqual({ requeued: 0, failed: 0 });
    const zoneB = app.get(ScanQueue).queueFor('zone-b');
    expect(await zoneB.getJob(`manual-${scanId}`)).toBeUndefined();
    expect(await (await scanQueue().getJob(`manual-${scanId}`))?.getState()).toBe('waiting');
    // Cancelling removes the job from the queue it is on.
    await api.http().delete(`/api/v1/scans/${scanId}`).set(api.auth).expect(200);
    expect(await scanQueue().getJob(`manual-${scanId}`)).toBeUndefined();
  });
});

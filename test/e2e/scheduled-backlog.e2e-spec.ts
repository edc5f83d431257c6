import type { INestApplication } from '@nestjs/common';

import { Clock, ScanExecutor, type ScanResponseDto } from '@driftwatch/application';
import { scheduleSlot } from '@driftwatch/core';
import { ScanQueue } from '@driftwatch/queue';
import { type ApiClient, apiWithoutWorkers, type ApiWithoutWorkers } from '@driftwatch/test/api-client';

const EVERY_MINUTE = '* * * * *';

/**
 * Scans slower than their schedule: every slot's job queued behind the one running, and each ran
 * in full in turn, a backlog without end whose older scans were then stored as nothing (an older
 * observation than the one in force). A scheduled scan whose later slot is already queued now
 * ends before it runs, superseded, and the later one scans.
 */
describe('scheduled scans behind their schedule', () => {
  let harness: ApiWithoutWorkers;
  let app: INestApplication;
  let api: ApiClient;
  let scopeId: string;

  beforeAll(async () => {
    // No worker takes the jobs: this test runs the planning step itself.
    harness = await apiWithoutWorkers({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    ({ app, api } = harness);
    scopeId = await api.createScope({
      name: 'behind',
      targets: ['192.0.2.0/30'],
      ports: [22],
      scripts: [],
      schedule: EVERY_MINUTE,
    });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await harness?.close();
  });

  // Half past a minute, fixed: a minute turning between the test's slot and the planning's would
  // make a different slot the latest.
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 30_000);
  beforeEach(() => {
    jest.spyOn(app.get(Clock), 'now').mockReturnValue(now);
  });

  const scanOf = async (id: string) =>
    (await api.http().get(`/api/v1/scans/${id}`).set(api.auth).expect(200)).body as ScanResponseDto;

  it('ends a slot whose later slot is queued without running it, and runs the latest', async () => {
    const latest = scheduleSlot(EVERY_MINUTE, now);
    const older = new Date(latest.getTime() - 2 * 60_000);
    const queue = app.get(ScanQueue);
    await queue.enqueueScheduledScan(scopeId, 'default', older);
    await queue.enqueueScheduledScan(scopeId, 'default', latest);
    const executor = app.get(ScanExecutor);

    const stale = await executor.scheduledScan(scopeId, 'default', older);
    const outcome = await executor.plan(stale.id, 1);
    expect(outcome).toMatchObject({
      kind: 'skipped',
      reason: expect.stringMatching(/^superseded: the scan of the later slot/),
    });
    expect(await scanOf(stale.id)).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'driftwatch',
      error: `superseded: the scan of the later slot ${latest.toISOString()} is already queued; slot ${older.toISOString()} was not run`,
    });

    // The latest slot has nothing after it: it is planned (its shards made) as any scan.
    const current = await executor.scheduledScan(scopeId, 'default', latest);
    await expect(executor.plan(current.id, 1)).resolves.toMatchObject({ kind: 'planned' });
    expect((await scanOf(current.id)).status).toBe('running');
  });

  it('runs a slot whose later slot has no job (the scheduler was down then)', async () => {
    const latest = scheduleSlot(EVERY_MINUTE, now);
    const older = new Date(latest.getTime() - 5 * 60_000);
    const executor = app.get(ScanExecutor);
    const scan = await executor.scheduledScan(scopeId, 'default', older);
    // No job for `latest` in this test's queue: nothing supersedes the older slot.
    await app.get(ScanQueue).queueFor('default').remove(`scheduled-${scopeId}-${latest.getTime()}`);
    await expect(executor.plan(scan.id, 1)).resolves.toMatchObject({ kind: 'planned' });
  });
});

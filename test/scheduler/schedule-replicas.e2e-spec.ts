import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import request from 'supertest';

import { ScopeScheduleService } from '@driftwatch/scheduler/scope-schedule.service';
import { ScanQueue } from '@driftwatch/queue';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createSchedulerContext,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
  httpServer,
} from '@driftwatch/test/test-app';

/**
 * Two scheduler replicas on the same Redis and PostgreSQL fire for the same scope and slot:
 * the deterministic job id (scope + slot) makes that one scan.
 */
describe('scheduler replicas', () => {
  let env: TestEnvironment;
  let api: INestApplication;
  let replicas: INestApplicationContext[];
  let auth: { Authorization: string };

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await createHttpApp(env.config, 'api');
    auth = { Authorization: `Bearer ${(await keysForRoles(api, ['analyst'])).analyst}` };
  });

  afterAll(async () => {
    for (const r of replicas ?? []) await r.close();
    await api?.close();
    await env?.cleanup();
  });

  it('register each scheduled scope and enqueue one scan when both fire for the same slot', async () => {
    const scope = await request(httpServer(api))
      .post('/api/v1/scopes')
      .set(auth)
      .send({ name: 'every-minute', targets: ['127.0.0.1'], ports: [23], schedule: '* * * * *' })
      .expect(201);
    const scopeId = (scope.body as { id: string }).id;
    replicas = [await createSchedulerContext(env.config), await createSchedulerContext(env.config)];

    const jobName = replicas[0]?.get(ScopeScheduleService).jobName(scopeId) ?? '';
    for (const replica of replicas) {
      await waitFor('the scope cron job to be registered', () =>
        Promise.resolve(replica.get(SchedulerRegistry).doesExist('cron', jobName)),
      );
    }

    // Both replicas' real cron jobs tick for the same minute.
    const ticks = replicas.map((r) => r.get(SchedulerRegistry).getCronJob(jobName));
    const slotStart = Math.floor(Date.now() / 60_000) * 60_000;
    if (Date.now() - slotStart > 55_000)
      await new Promise((r) => setTimeout(r, 60_000 - (Date.now() - slotStart) + 100));
    await Promise.all(ticks.map((job) => job.fireOnTick()));
    const queue = api.get(ScanQueue).queueFor('default');
    const jobs = await waitFor('the scheduled job', async () => {
      const found = await queue.getJobs(['waiting', 'delayed', 'active']);
      return found.length > 0 ? found : undefined;
    });
    // Give the second replica's add time to land if it were going to duplicate.
    await new Promise((r) => setTimeout(r, 500));
    const all = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    expect(all).toHaveLength(1);
    expect(jobs[0]?.data).toMatchObject({ scopeId });
    expect(all[0]?.id).toMatch(new RegExp(`^scheduled-${scopeId}-\\d+$`));

    // The next slot, fired by both replicas at slightly different instants within it, adds one more job.
    const next = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    await Promise.all(
      replicas.map((r, i) =>
        r
          .get(ScopeScheduleService)
          .fire(scopeId, { expression: '* * * * *', vantage: 'default' }, new Date(next + 150 + i * 900)),
      ),
    );
    const after = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    expect(after.map((j) => j.id).sort()).toEqual([`scheduled-${scopeId}-${next}`, all[0]?.id].sort());
  });

  it('drop the cron job when the scope loses its schedule', async () => {
    const list = await request(httpServer(api)).get('/api/v1/scopes').set(auth).expect(200);
    const scopeId = (list.body as { items: { id: string }[] }).items[0]?.id ?? '';
    await request(httpServer(api))
      .patch(`/api/v1/scopes/${scopeId}`)
      .set(auth)
      .send({ schedule: null })
      .expect(200);
    for (const replica of replicas) {
      const service = replica.get(ScopeScheduleService);
      await service.sync();
      expect(replica.get(SchedulerRegistry).doesExist('cron', service.jobName(scopeId))).toBe(false);
    }
  });
});

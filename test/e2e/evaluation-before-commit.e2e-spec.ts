import { Readable } from 'node:stream';

import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  EvaluationService,
  type EvaluationOutcome,
  SnapshotWriter,
  systemActor,
} from '@driftwatch/application';
import { parseNmapXml } from '@driftwatch/nmap';
import { ScanRepository, ScopeRepository } from '@driftwatch/persistence';
import { ApiClient } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/**
 * An import enqueues its evaluation inside the transaction that stores the snapshot (if the
 * queue refuses the job, nothing is stored), so a worker can take the job before the commit.
 */
describe('jobs that start before what they work on is committed', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let scopeId: string;

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    // The API alone: no worker in this process takes jobs, the test plays the worker.
    app = await createHttpApp(env.config, 'api');
    const keys = await keysForRoles(app, ['analyst']);
    scopeId = await new ApiClient(app, keys.analyst).createScope({
      name: 'early-worker',
      targets: ['192.0.2.0/28'],
      ports: [22, 23],
      approvedPorts: [22],
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('waits for the storing transaction to commit, then evaluates the snapshot', async () => {
    const scope = await app.get(ScopeRepository).findLive(scopeId);
    if (!scope) throw new Error('scope not found');
    const scans = app.get(ScanRepository);
    const observation = await parseNmapXml(
      Readable.from([openPortsXml([{ addr: '192.0.2.7', ports: [[23, 'telnet']] }])]),
    );
    const now = new Date();
    let scanId = '';
    let evaluation: Promise<EvaluationOutcome> | undefined;
    let settledBeforeCommit = false;
    await app.get(SnapshotWriter).store(
      scope,
      async (manager) => {
        scanId = (
          await scans.createImported(
            scope.id,
            scope.vantage,
            { startedAt: now, finishedAt: now, at: now },
            'test',
            [],
            manager,
          )
        ).id;
        return scanId;
      },
      observation,
      now,
      async ({ snapshotId }, manager) => {
        await scans.attachSnapshot(scanId, snapshotId, [], manager);
        // The worker takes the job now, while this transaction is still open.
        evaluation = app.get(EvaluationService).evaluateSnapshot(scanId, snapshotId);
        evaluation.then(
          () => (settledBeforeCommit = true),
          () => (settledBeforeCommit = true),
        );
        await new Promise((resolve) => setTimeout(resolve, 500));
      },
      { actor: systemActor('test') },
    );
    expect(settledBeforeCommit).toBe(false);
    await expect(evaluation).resolves.toMatchObject({ kind: 'evaluated', opened: expect.any(Number) });
    const outcome = (await evaluation) as { opened: number };
    // Telnet on 23: unapproved and cleartext.
    expect(outcome.opened).toBeGreaterThanOrEqual(2);
    expect((await scans.findById(scanId))?.status).toBe('completed');
  });

  // A requested scan's job is enqueued inside the transaction that creates the scan row, so a
  // worker can take it first; it used to fail that attempt ("not found (yet)") and wait out the
  // queue's backoff.
  it('a scan job that starts before its scan row is committed waits for it', async () => {
    const scans = app.get(ScanRepository);
    let found: Promise<unknown> | undefined;
    let settledBeforeCommit = false;
    const created = await app.get(DataSource).transaction(async (manager) => {
      const scan = await scans.createManual(scopeId, 'default', new Date(), manager);
      found = scans.findCommitted(scan.id);
      found.then(
        () => (settledBeforeCommit = true),
        () => (settledBeforeCommit = true),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      return scan;
    });
    expect(settledBeforeCommit).toBe(false);
    await expect(found).resolves.toMatchObject({ id: created.id, status: 'queued' });
  });
});

import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';

import {
  type AssetsResponseDto,
  type ChangeListResponseDto,
  EvaluationService,
  type FindingResponseDto,
  ScanExecutor,
  type ScanResponseDto,
  ShardRunner,
  type SnapshotResponseDto,
} from '@driftwatch/application';
import type { HostObservation, NetworkObservation } from '@driftwatch/core';
import { ScanShardRepository } from '@driftwatch/persistence';
import { jobIds, QueueName } from '@driftwatch/queue';
import { ApiClient } from '@driftwatch/test/api-client';
import {
  createHttpApp,
  createTestEnvironment,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

const CORE = '127.0.0.1';
const BRANCH = '127.0.1.1';

function observed(address: string, port: number, service: string): NetworkObservation {
  const host: HostObservation = {
    status: 'up',
    statusReason: 'syn-ack',
    addresses: [{ addr: address, type: 'ipv4' }],
    hostnames: [],
    ports: [
      {
        protocol: 'tcp',
        port,
        state: 'open',
        reason: 'syn-ack',
        service: { name: service, cpe: [] },
        scripts: [],
      },
    ],
    extraPorts: [],
    os: [],
    scripts: [],
  };
  return {
    run: { scanner: 'nmap', exit: 'success', hostsUp: 1, hostsDown: 0, hostsTotal: 1 },
    hosts: [host],
  };
}

/**
 * A scan's targets run as shards (one /24 each). When one shard fails for good, the snapshot is
 * still stored but marked incomplete with the targets it missed, and what those targets showed
 * before is neither reported as gone nor resolved. The shard results are given here; the
 * planning, assembly, storage and evaluation are the worker's own code on the real database.
 */
describe('a scan with a failed shard', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let api: ApiClient;
  let scopeId: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    // The API alone: no worker takes the jobs, this test plays the worker's steps.
    app = await createHttpApp(env.config, 'api');
    api = new ApiClient(app, (await keysForRoles(app, ['admin'])).admin);
    scopeId = await api.createScope({
      name: 'two-sites',
      targets: [CORE, BRANCH],
      ports: [22, 23],
      approvedPorts: [],
      scripts: [],
    });
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  /** Plans a scan into its shards, lets each finish as given, assembles and evaluates it. */
  async function scan(results: (NetworkObservation | Error)[]): Promise<ScanResponseDto> {
    const scanId = await api.requestScan(scopeId);
    const plan = await app.get(ScanExecutor).plan(scanId, 1);
    expect(plan).toMatchObject({ kind: 'planned', shards: [1, 2] });
    const shards = app.get(ScanShardRepository);
    for (const [i, result] of results.entries()) {
      const seq = i + 1;
      await shards.markRunning(scanId, seq, new Date(), 1);
      if (result instanceof Error) await app.get(ShardRunner).markGivenUp(scanId, seq, result.message, false);
      else await shards.markCompleted(scanId, seq, new Date(), result, []);
    }
    const outcome = await app.get(ScanExecutor).assemble(scanId, []);
    if (outcome.kind !== 'stored') throw new Error(`not stored: ${outcome.reason}`);
    await app.get(EvaluationService).evaluateSnapshot(scanId, outcome.snapshotId);
    return api.getScan(scanId);
  }

  const get = async <T>(path: string): Promise<T> =>
    (await api.http().get(path).set(api.auth).expect(200)).body as T;

  it('stores a complete snapshot when every shard succeeds', async () => {
    const first = await scan([observed(CORE, 23, 'telnet'), observed(BRANCH, 22, 'ssh')]);
    expect(first.shards.map((s) => [s.block, s.status])).toEqual([
      ['127.0.0.0/24', 'completed'],
      ['127.0.1.0/24', 'completed'],
    ]);
    const snapshot = await get<SnapshotResponseDto>(`/api/v1/snapshots/${first.snapshotId ?? ''}`);
    expect(snapshot).toMatchObject({ complete: true, missingTargets: [], hostCount: 2 });
    const findings = await get<{ items: FindingResponseDto[] }>(
      `/api/v1/findings?scope=${scopeId}&status=open`,
    );
    expect(findings.items.map((f) => f.asset).sort()).toEqual(expect.arrayContaining([CORE, BRANCH]));
  });

  it('marks the snapshot incomplete, keeps what the failed shard showed before, and says why', async () => {
    const second = await scan([observed(CORE, 23, 'telnet'), new Error('nmap exited with code 1')]);
    expect(second.status).toBe('completed');
    expect(second.progress).toMatchObject({ shardsTotal: 2, shardsDone: 1, shardsFailed: 1, percent: 100 });
    expect(second.warnings).toContainEqual(
      expect.stringMatching(/shard 127\.0\.1\.0\/24 failed: nmap exited with code 1/),
    );

    const snapshot = await get<SnapshotResponseDto>(`/api/v1/snapshots/${second.snapshotId ?? ''}`);
    expect(snapshot).toMatchObject({ complete: false, missingTargets: [BRANCH], hostCount: 1 });
    expect(snapshot.hosts.map((h) => h.addresses[0]?.addr)).toEqual([CORE]);

    // The branch host was not observed, so it did not "go away": no drift, its state still current,
    // and its finding stays open.
    const changes = await get<ChangeListResponseDto>(`/api/v1/scopes/${scopeId}/changes`);
    expect(changes.items).toEqual([]);
    const { assets } = await get<AssetsResponseDto>(`/api/v1/assets?scope=${scopeId}`);
    expect(assets.flatMap((a) => a.ports.map((p) => `${a.address}:${p.port}`))).toEqual([
      `${CORE}:23`,
      `${BRANCH}:22`,
    ]);
    const open = await get<{ items: FindingResponseDto[] }>(`/api/v1/findings?scope=${scopeId}&status=open`);
    expect(open.items.map((f) => f.asset)).toContain(BRANCH);
  });

  it('compares the next complete snapshot with the last known state, so only real changes show', async () => {
    const third = await scan([observed(CORE, 23, 'telnet'), observed(BRANCH, 23, 'telnet')]);
    const snapshot = await get<SnapshotResponseDto>(`/api/v1/snapshots/${third.snapshotId ?? ''}`);
    expect(snapshot.complete).toBe(true);
    const changes = await get<ChangeListResponseDto>(`/api/v1/scopes/${scopeId}/changes`);
    expect(changes.items.map((c) => `${c.type} ${c.address}:${c.port ?? ''}`).sort()).toEqual([
      `port-added ${BRANCH}:23`,
      `port-removed ${BRANCH}:22`,
    ]);
  });

  it('fails the scan, storing nothing, when every shard failed', async () => {
    const scanId = await api.requestScan(scopeId);
    await app.get(ScanExecutor).plan(scanId, 1);
    for (const seq of [1, 2]) await app.get(ShardRunner).markGivenUp(scanId, seq, 'host timeout', false);
    await expect(app.get(ScanExecutor).assemble(scanId, [])).rejects.toThrow(
      /every shard failed: 127\.0\.0\.0\/24: host timeout; 127\.0\.1\.0\/24: host timeout/,
    );
    expect((await api.getScan(scanId)).snapshotId).toBeNull();
  });

  it('keeps a stored snapshot’s scan evaluating when its job fails afterwards, and the retry queues its evaluation', async () => {
    const scanId = await api.requestScan(scopeId);
    await app.get(ScanExecutor).plan(scanId, 1);
    const shards = app.get(ScanShardRepository);
    for (const [i, result] of [observed(CORE, 23, 'telnet'), observed(BRANCH, 23, 'telnet')].entries()) {
      await shards.markRunning(scanId, i + 1, new Date(), 1);
      await shards.markCompleted(scanId, i + 1, new Date(), result, []);
    }
    const outcome = await app.get(ScanExecutor).assemble(scanId, []);
    if (outcome.kind !== 'stored') throw new Error(`not stored: ${outcome.reason}`);
    const evaluate = app.get<Queue>(getQueueToken(QueueName.Evaluate));
    // Redis went away after the snapshot committed: its evaluation job was never added.
    await (await evaluate.getJob(jobIds.evaluation(outcome.snapshotId)))?.remove();

    // The job fails (the enqueue threw) and is retried; then it fails for good.
    await app.get(ScanExecutor).markRetrying(scanId, 'Could not enqueue the evaluation');
    expect((await api.getScan(scanId)).status).toBe('evaluating');
    await expect(app.get(ScanExecutor).plan(scanId, 2)).resolves.toMatchObject({ kind: 'skipped' });
    expect(await evaluate.getJob(jobIds.evaluation(outcome.snapshotId))).toMatchObject({
      data: { scanId, snapshotId: outcome.snapshotId },
    });
    await app.get(ScanExecutor).markFailed(scanId, 'Could not enqueue the evaluation');
    expect(await api.getScan(scanId)).toMatchObject({ status: 'evaluating', snapshotId: outcome.snapshotId });
  });

  it('does not store an observation that started before the one already stored: it is older than the current state', async () => {
    const startedAt =
      (iso: string) =>
      (o: NetworkObservation): NetworkObservation => ({
        ...o,
        run: { ...o.run, startedAt: iso, finishedAt: iso },
      });
    const shards = app.get(ScanShardRepository);
    const complete = async (scanId: string, results: NetworkObservation[]) => {
      for (const [i, result] of results.entries()) {
        await shards.markRunning(scanId, i + 1, new Date(), 1);
        await shards.markCompleted(scanId, i + 1, new Date(), result, []);
      }
    };
    // A slow scan starts first and still sees telnet on the branch host; a later, quicker scan
    // sees it gone and is stored first.
    const slow = await api.requestScan(scopeId);
    await app.get(ScanExecutor).plan(slow, 1);
    const quick = await api.requestScan(scopeId);
    await app.get(ScanExecutor).plan(quick, 1);
    const later = startedAt('2030-01-01T10:05:00.000Z');
    await complete(quick, [later(observed(CORE, 23, 'telnet')), later(observed(BRANCH, 22, 'ssh'))]);
    const stored = await app.get(ScanExecutor).assemble(quick, []);
    if (stored.kind !== 'stored') throw new Error(`not stored: ${stored.reason}`);

    const earlier = startedAt('2030-01-01T10:00:00.000Z');
    await complete(slow, [earlier(observed(CORE, 23, 'telnet')), earlier(observed(BRANCH, 23, 'telnet'))]);
    await expect(app.get(ScanExecutor).assemble(slow, [])).resolves.toMatchObject({
      kind: 'skipped',
      reason: expect.stringMatching(/^superseded: scan .* started later/),
    });
    expect(await api.getScan(slow)).toMatchObject({
      status: 'cancelled',
      snapshotId: null,
      error: expect.stringMatching(/^superseded/),
    });
    // The current state is the newer observation's.
    const { assets } = await get<AssetsResponseDto>(`/api/v1/assets?scope=${scopeId}`);
    expect(assets.flatMap((a) => a.ports.map((p) => `${a.address}:${p.port}`))).toEqual([
      `${CORE}:23`,
      `${BRANCH}:22`,
    ]);
  });
});

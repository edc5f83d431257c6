import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import {
  EvaluationService,
  type EvaluationOutcome,
  type ScanResponseDto,
  type SnapshotImportedDto,
} from '@driftwatch/application';

import { waitFor } from './services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from './test-app';

/** The steps end-to-end tests repeat, through the public API with one key. */
export class ApiClient {
  constructor(
    private readonly app: INestApplication,
    private readonly key: string,
  ) {}

  get auth(): { Authorization: string } {
    return { Authorization: `Bearer ${this.key}` };
  }

  http() {
    return request(httpServer(this.app));
  }

  async createScope(body: Record<string, unknown>): Promise<string> {
    const res = await this.http().post('/api/v1/scopes').set(this.auth).send(body).expect(201);
    return (res.body as { id: string }).id;
  }

  async requestScan(scopeId: string): Promise<string> {
    const res = await this.http().post(`/api/v1/scopes/${scopeId}/scans`).set(this.auth).expect(202);
    return (res.body as { id: string }).id;
  }

  async getScan(scanId: string): Promise<ScanResponseDto> {
    return (await this.http().get(`/api/v1/scans/${scanId}`).set(this.auth).expect(200))
      .body as ScanResponseDto;
  }

  /** Polls until the scan reaches one of `statuses`; a scan that fails unexpectedly fails the wait. */
  async waitForScan(
    scanId: string,
    statuses: ScanResponseDto['status'][] = ['completed'],
    timeoutMs = 90_000,
  ): Promise<ScanResponseDto> {
    return waitFor(
      `scan ${scanId} to be ${statuses.join(' or ')}`,
      async () => {
        const scan = await this.getScan(scanId);
        if (statuses.includes(scan.status)) return scan;
        if (scan.status === 'failed') throw new Error(`scan failed: ${scan.error}`);
        return undefined;
      },
      { timeoutMs, intervalMs: 300 },
    );
  }

  async scanToCompletion(scopeId: string, timeoutMs?: number): Promise<ScanResponseDto> {
    return this.waitForScan(await this.requestScan(scopeId), ['completed'], timeoutMs);
  }

  /** Imports nmap XML into a scope (a scanner's or an admin's key): the scan and snapshot stored. */
  async importXml(scopeId: string, xml: string): Promise<SnapshotImportedDto> {
    const res = await this.http()
      .post(`/api/v1/scopes/${scopeId}/snapshots`)
      .set(this.auth)
      .set('Content-Type', 'application/xml')
      .send(xml)
      .expect(201);
    return res.body as SnapshotImportedDto;
  }
}

/**
 * The API alone, with no worker: queued jobs stay where they are, and the test runs each
 * evaluation itself, when and in the order it wants. `api` has an analyst's key, `scanner` a
 * scanner's (for imports).
 */
export interface ApiWithoutWorkers {
  env: TestEnvironment;
  app: INestApplication;
  api: ApiClient;
  scanner: ApiClient;
  /** Runs the evaluation job an import queued, here and now. */
  evaluate: (imported: SnapshotImportedDto) => Promise<EvaluationOutcome>;
  close: () => Promise<void>;
}

export async function apiWithoutWorkers(overrides: Record<string, string>): Promise<ApiWithoutWorkers> {
  const env = await createTestEnvironment(overrides);
  const app = await createHttpApp(env.config, 'api');
  const keys = await keysForRoles(app, ['analyst', 'scanner']);
  return {
    env,
    app,
    api: new ApiClient(app, keys.analyst),
    scanner: new ApiClient(app, keys.scanner),
    evaluate: (imported) => app.get(EvaluationService).evaluateSnapshot(imported.scanId, imported.snapshotId),
    close: async () => {
      await app.close();
      await env.cleanup();
    },
  };
}

/**
 * A scope with one evaluated snapshot, imported from `xml` (nmap XML): what configuration
 * documents are judged with. `analyst` creates the scope and follows the scan; `scanner` imports.
 */
export async function scopeWithSnapshot(
  app: INestApplication,
  keys: { analyst: string; scanner: string },
  scope: Record<string, unknown>,
  xml: string,
): Promise<string> {
  const http = () => request(httpServer(app));
  const analyst = new ApiClient(app, keys.analyst);
  const scopeId = await analyst.createScope(scope);
  const imported = await http()
    .post(`/api/v1/scopes/${scopeId}/snapshots`)
    .set('Authorization', `Bearer ${keys.scanner}`)
    .set('Content-Type', 'application/xml')
    .send(xml)
    .expect(201);
  await analyst.waitForScan((imported.body as { scanId: string }).scanId);
  return scopeId;
}

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Injectable } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';
import { ScopeRepository } from '@driftwatch/persistence';

import { ApiKeyService } from '@driftwatch/application/api-keys/api-key.service';
import { systemActor } from '@driftwatch/application/audit/audit-trail';
import { FindingService } from '@driftwatch/application/findings/finding.service';
import type { FindingResponseDto } from '@driftwatch/application/findings/finding.dto';
import { ScanService } from '@driftwatch/application/scans/scan.service';
import { ScopeService } from '@driftwatch/application/scopes/scope.service';

/**
 * The default scope of single-machine mode: 127.0.0.1 on a short list of common service ports
 * (plus the API's own port), never a wide range: other services of this machine listen there.
 */
export const DEFAULT_SCOPE = {
  name: 'localhost',
  targets: ['127.0.0.1'],
  commonPorts: [21, 22, 23, 25, 80, 110, 143, 443, 445, 3306, 5432, 6379, 8080, 8443],
  approvedPorts: [22, 443],
  schedule: '*/15 * * * *',
};

export const ADMIN_KEY_FILE = 'admin-api-key';

const BOOTSTRAP = systemActor('bootstrap');

/** First-start tasks of single-machine mode (`npm start`). */
@Injectable()
export class BootstrapService {
  constructor(
    private readonly config: AppConfig,
    private readonly apiKeys: ApiKeyService,
    private readonly scopes: ScopeRepository,
    private readonly scopeService: ScopeService,
    private readonly scans: ScanService,
    private readonly findings: FindingService,
  ) {}

  /** Creates an admin key when none is active, writes it to <runDir>/admin-api-key (0600) and returns it once. */
  async ensureAdminKey(): Promise<{ created: boolean; file: string; secret?: string }> {
    const file = join(this.config.runDir, ADMIN_KEY_FILE);
    if ((await this.apiKeys.countActiveAdmins()) > 0) return { created: false, file };
    const key = await this.apiKeys.create({ name: 'single-machine admin', role: 'admin' }, BOOTSTRAP);
    await mkdir(this.config.runDir, { recursive: true, mode: 0o700 });
    await writeFile(file, `${key.secret}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    return { created: true, file, secret: key.secret };
  }

  /** Creates the default scope when there is no scope at all; returns its id when created. */
  async ensureDefaultScope(): Promise<string | null> {
    if ((await this.scopes.countLive()) > 0) return null;
    const ports = [...new Set([...DEFAULT_SCOPE.commonPorts, this.config.http.port])].sort((a, b) => a - b);
    const scope = await this.scopeService.create(
      {
        name: DEFAULT_SCOPE.name,
        targets: DEFAULT_SCOPE.targets,
        ports,
        approvedPorts: DEFAULT_SCOPE.approvedPorts,
        schedule: DEFAULT_SCOPE.schedule,
        vantage: 'default',
      },
      BOOTSTRAP,
    );
    return scope.id;
  }

  async defaultScopeId(): Promise<string | null> {
    return (await this.scopes.findLiveByName(DEFAULT_SCOPE.name))?.id ?? null;
  }

  async startScan(scopeId: string): Promise<string> {
    return (await this.scans.request(scopeId, BOOTSTRAP)).id;
  }

  /** Waits for a scan to finish evaluation; returns its final status. */
  async waitForScan(scanId: string, timeoutMs: number): Promise<{ status: string; error: string | null }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const scan = await this.scans.get(scanId);
      if (scan.status === 'completed' || scan.status === 'failed' || Date.now() > deadline) {
        return { status: scan.status, error: scan.error };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async openFindings(scopeId: string): Promise<FindingResponseDto[]> {
    return (await this.findings.list({ scope: scopeId, status: ['open'], limit: 100 })).items;
  }
}

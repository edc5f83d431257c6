import { NestFactory } from '@nestjs/core';

import { configureHttp } from '@driftwatch/api/configure-http';
import { BootstrapService, DEFAULT_SCOPE, prepareDatabase, runMain } from '@driftwatch/application';
import { loadConfigFromEnvironment } from '@driftwatch/config';

import { formatFindingsSummary } from './first-run-report';
import { StandaloneModule } from './standalone.module';

const FIRST_SCAN_WAIT_MS = 50_000;

runMain('standalone', async () => {
  // Keep the console readable for the summary below; set LOG_LEVEL=info for request logs.
  const config = loadConfigFromEnvironment({ LOG_LEVEL: 'warn' });
  const out = (text: string) => process.stdout.write(text);
  await prepareDatabase(config.database);
  const app = await NestFactory.create(StandaloneModule.forRoot(config), { bufferLogs: true });
  configureHttp(app);
  await app.listen(config.http.port, config.http.host);

  const base = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${config.http.port}`;
  const boot = app.get(BootstrapService);
  const key = await boot.ensureAdminKey();
  out(`\nDriftwatch is running in single-machine mode\n`);
  out(`  API:       ${base}/api/v1\n`);
  out(`  API docs:  ${base}/docs   (browser: any user name, the API key as password)\n`);
  out(`  Health:    ${base}/health\n`);
  if (key.created) out(`  Admin API key (shown once; saved to ${key.file}, mode 0600):\n    ${key.secret}\n`);
  else out(`  Admin API key: in ${key.file} (created at first start)\n`);

  await boot.ensureDefaultScope();
  const scopeId = await boot.defaultScopeId();
  if (!scopeId) {
    out(`\nThe default scope "${DEFAULT_SCOPE.name}" was deleted; no first scan started.\n`);
    return;
  }
  out(`\nScanning ${DEFAULT_SCOPE.targets.join(', ')} (scope "${DEFAULT_SCOPE.name}")...\n`);
  const started = Date.now();
  const scanId = await boot.startScan(scopeId);
  const result = await boot.waitForScan(scanId, FIRST_SCAN_WAIT_MS);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 'completed') {
    const findings = await boot.openFindings(scopeId);
    out(`Scan ${scanId} completed in ${seconds} s: ${findings.length} open finding(s)\n`);
    out(formatFindingsSummary(findings));
  } else {
    out(`Scan ${scanId} is ${result.status} after ${seconds} s${result.error ? `: ${result.error}` : ''}\n`);
  }
  out(`\nTry:\n  curl -H "Authorization: Bearer $(cat ${key.file})" ${base}/api/v1/findings\n`);
  out(`Stop with: npm stop\n\n`);
});

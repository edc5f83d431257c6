import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { INestApplication } from '@nestjs/common';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';

import { OSCAL_VERSION } from '@driftwatch/export';
import { ApiClient } from '@driftwatch/test/api-client';
import { assertCorpusPresent, SCHEMAS_DIR } from '@driftwatch/test/corpus';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

// NIST's published schema, read in place from ../shared and never copied into the project.
const SCHEMA = path.join(SCHEMAS_DIR, `oscal-${OSCAL_VERSION}-assessment-results.schema.json`);

/** What GET /evaluations/{id}/oscal serves for real evaluations validates against NIST's schema. */
describe('the OSCAL export route against NIST’s published assessment-results schema', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'analyst' | 'auditor' | 'scanner', string>;
  let validate: ValidateFunction;
  let scopeId: string;

  const http = () => request(httpServer(app));

  beforeAll(async () => {
    assertCorpusPresent(SCHEMAS_DIR);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '127.0.0.0/8,192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['analyst', 'auditor', 'scanner']);
    const analyst = new ApiClient(app, keys.analyst);
    scopeId = await analyst.createScope({
      name: 'oscal-cde',
      targets: ['192.0.2.0/28'],
      ports: [21, 22, 23, 80, 443],
      approvedPorts: [22],
    });
    for (const [i, hosts] of [
      [{ addr: '192.0.2.1', ports: [[22, 'ssh']] }],
      [
        {
          addr: '192.0.2.1',
          ports: [
            [22, 'ssh'],
            [23, 'telnet'],
          ],
        },
        {
          addr: '192.0.2.2',
          ports: [
            [21, 'ftp'],
            [80, 'http'],
            [443, 'https'],
          ],
        },
      ],
    ].entries()) {
      const res = await http()
        .post(`/api/v1/scopes/${scopeId}/snapshots`)
        .set('Authorization', `Bearer ${keys.scanner}`)
        .set('Content-Type', 'application/xml')
        .send(openPortsXml(hosts as { addr: string; ports: [number, string][] }[], 1790000000 + i * 3600))
        .expect(201);
      await analyst.waitForScan((res.body as { scanId: string }).scanId);
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('validates for each evaluation of a scope, the later one with more findings', async () => {
    const list = await http()
      .get(`/api/v1/scopes/${scopeId}/evaluations`)
      .set('Authorization', `Bearer ${keys.auditor}`)
      .expect(200);
    const items = (list.body as { items: { id: string; failingCount: number }[] }).items;
    expect(items).toHaveLength(2);
    expect(items[0].failingCount).toBeGreaterThan(items[1].failingCount);
    for (const { id } of items) {
      const res = await http()
        .get(`/api/v1/evaluations/${id}/oscal`)
        .set('Authorization', `Bearer ${keys.auditor}`)
        .expect(200);
      const document: unknown = JSON.parse(res.text);
      const valid = validate(document);
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    }
  });
});

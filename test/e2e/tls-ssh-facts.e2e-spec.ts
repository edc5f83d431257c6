import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import type { FindingResponseDto, SnapshotResponseDto } from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
import { type LocalService, passwordSshServer, weakTlsServer } from '@driftwatch/test/local-services';
import { freePort } from '@driftwatch/test/private-redis';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/**
 * Real TLS and SSH services on loopback ports this test opened; the scan runs the allow-listed
 * NSE scripts, the snapshot carries typed TLS and SSH facts, and PCI rules read them.
 */
describe('TLS and SSH facts', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let key: string;
  let auth: { Authorization: string };
  let tls: LocalService;
  let ssh: LocalService;

  beforeAll(async () => {
    tls = await weakTlsServer(await freePort());
    ssh = await passwordSshServer(await freePort());
    env = await createTestEnvironment();
    app = await createHttpApp(env.config, 'standalone');
    key = (await keysForRoles(app, ['analyst'])).analyst;
    auth = { Authorization: `Bearer ${key}` };
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await tls?.stop();
    await ssh?.stop();
  });

  it('records TLS versions, certificate and SSH methods, and raises the TLS and SSH findings', async () => {
    const http = () => request(httpServer(app));
    const scope = await http()
      .post('/api/v1/scopes')
      .set(auth)
      .send({
        name: 'tls-ssh',
        targets: ['127.0.0.1'],
        ports: [tls.port, ssh.port],
        approvedPorts: [tls.port, ssh.port],
      })
      .expect(201);
    const scopeId = (scope.body as { id: string; scripts: string[] }).id;
    expect((scope.body as { scripts: string[] }).scripts).toEqual(
      expect.arrayContaining(['ssl-enum-ciphers', 'ssl-cert', 'ssh2-enum-algos', 'ssh-auth-methods']),
    );
    const scan = await new ApiClient(app, key).scanToCompletion(scopeId, 110_000);

    const snapshot = (await http().get(`/api/v1/snapshots/${scan.snapshotId}`).set(auth).expect(200))
      .body as SnapshotResponseDto;
    const ports = snapshot.hosts[0]?.ports ?? [];
    const tlsPort = ports.find((p) => p.port === tls.port);
    expect(tlsPort?.tls?.versions).toEqual(expect.arrayContaining(['TLSv1.0', 'TLSv1.2']));
    expect(tlsPort?.tls?.certificate).toMatchObject({
      subject: { commonName: 'driftwatch-test' },
      selfSigned: true,
      dnsNames: ['driftwatch-test'],
      ipAddresses: ['10.20.1.15', 'fd00:0:0:0:0:0:0:1'],
    });
    const sshPort = ports.find((p) => p.port === ssh.port);
    expect(sshPort?.ssh?.authMethods).toEqual(expect.arrayContaining(['publickey', 'password']));
    expect(sshPort?.ssh?.kexAlgorithms.length).toBeGreaterThan(0);

    const findings = await http().get('/api/v1/findings').query({ scope: scopeId }).set(auth).expect(200);
    const found = (findings.body as { items: FindingResponseDto[] }).items.map(
      (f) => `${f.ruleId} ${f.subject}`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        `pci-dss-v4.4.2.1-tls-below-1.2 tcp/${tls.port}`,
        `pci-dss-v4.8.4.2-ssh-password-authentication tcp/${ssh.port}`,
      ]),
    );
  });

  it('refuses a script outside the allowlist, naming the field', async () => {
    const res = await request(httpServer(app))
      .post('/api/v1/scopes')
      .set(auth)
      .send({
        name: 'evil-script',
        targets: ['127.0.0.1'],
        ports: [22],
        scripts: ['ssl-cert', '/tmp/evil.nse'],
      });
    expect(res.status).toBe(400);
    expect((res.body as { fields: { field: string }[] }).fields[0]?.field).toBe('scripts[1]');
  });
});

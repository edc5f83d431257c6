import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import type {
  FindingResponseDto,
  PolicyResponseDto,
  PolicyVersionDto,
  PolicyVersionSummaryDto,
} from '@driftwatch/application';
import { ApiClient } from '@driftwatch/test/api-client';
import { shippedPolicyFiles } from '@driftwatch/test/policy-pack';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

type PolicyFile = { path: string; text: string };
type ErrorBody = { code: string; detail: string; fields?: { field: string; reason: string }[] };

/** A small rule of our own, so each malformed variant below changes exactly one known line. */
const TEST_RULE_PATH = 'local/test-telnet.yaml';
const TEST_RULE = `id: test.telnet-answers
title: Telnet answers
requirements: ['PCI DSS v4.0.1 2.2.7']
severity: high
subject: service
where: { type: object, required: [portKey], properties: { portKey: { const: tcp/23 } } }
expect: false
message: '{{address}} answers on {{portKey}}'
fixtures:
  fail:
    - port: { protocol: tcp, port: 23 }
  pass:
    - port: { protocol: tcp, port: 22 }
`;

/** nmap XML of one host of 127.0.0.0/28 with telnet open, finished at `finished` (unix seconds). */
function telnetXml(finished: number): string {
  return `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sV -p 23 127.0.0.0/28" start="${finished - 5}" version="7.93" xmloutputversion="1.05">
<host><status state="up" reason="syn-ack"/><address addr="127.0.0.5" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="23"><state state="open" reason="syn-ack"/><service name="telnet" method="probed" conf="10"/></port></ports></host>
<runstats><finished time="${finished}" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
`;
}

/** Changes one line of a file: the line matching `pattern` becomes `replacement`. */
function editLine(text: string, pattern: RegExp, replacement: string): { text: string; line: number } {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => pattern.test(l));
  if (index < 0) throw new Error(`no line matches ${String(pattern)}`);
  lines[index] = replacement;
  return { text: lines.join('\n'), line: index + 1 };
}

/**
 * Policy versions through the API: a pack is checked completely before it is stored, a refused
 * pack changes nothing (the active version stays in force, also for evaluations), the same
 * content is the same version, and any stored version can be activated again.
 */
describe('policy versions', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'admin' | 'auditor' | 'scanner', string>;
  let bootVersion: string;
  let changedVersion: string;
  const shipped = shippedPolicyFiles();
  const cleartext = shipped.findIndex((f) => f.path === '1.2.6-insecure-cleartext-service.yaml');

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '127.0.0.0/8' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['admin', 'auditor', 'scanner']);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });
  const put = (files: PolicyFile[]) => http().put('/api/v1/policies').set(as('admin')).send({ files });
  const active = async () =>
    (await http().get('/api/v1/policies').set(as('auditor')).expect(200)).body as PolicyResponseDto;

  /** The shipped pack with the cleartext-service rule at `severity`, plus our own test rule. */
  function pack(severity: string, testRule = TEST_RULE): PolicyFile[] {
    const files = shipped.map((f) => ({ ...f }));
    const file = files[cleartext];
    if (!file) throw new Error('the shipped pack has no 1.2.6-insecure-cleartext-service.yaml');
    file.text = editLine(file.text, /^severity: \w+$/, `severity: ${severity}`).text;
    return [...files, { path: TEST_RULE_PATH, text: testRule }];
  }

  it('at boot, the policy folder becomes the first active version', async () => {
    const policy = await active();
    expect(policy).toMatchObject({ name: 'pci-dss-v4', createdBy: 'boot', ruleCount: shipped.length });
    expect(policy.version).toMatch(/^[0-9a-f]{64}$/);
    expect(policy.activatedAt).not.toBeNull();
    expect(policy.rules.find((r) => r.id === 'pci-dss-v4.1.3.1-cde-inbound-not-approved')).toMatchObject({
      kind: 'reachability',
      subject: null,
      severity: 'high',
    });
    bootVersion = policy.version;
  });

  it('a changed pack becomes a new active version; sending it again is the same version', async () => {
    const files = pack('medium');
    const res = await put(files);
    expect(res.status).toBe(200);
    const created = res.body as PolicyResponseDto;
    expect(created.version).not.toBe(bootVersion);
    expect(created.ruleCount).toBe(shipped.length + 1);
    changedVersion = created.version;

    const policy = await active();
    expect(policy.version).toBe(changedVersion);
    expect(policy.rules.find((r) => r.id === 'pci-dss-v4.1.2.6-insecure-cleartext-service')?.severity).toBe(
      'medium',
    );

    const again = await put(files);
    expect(again.status).toBe(200);
    expect((again.body as PolicyResponseDto).version).toBe(changedVersion);
    expect((again.body as PolicyResponseDto).activatedAt).toBe(created.activatedAt);

    // The same rules under another name: refused, naming it (the engine used to run them under
    // the new name while every stored record kept the first one).
    const renamed = await http()
      .put('/api/v1/policies')
      .set(as('admin'))
      .send({ name: 'renamed', files })
      .expect(409);
    expect((renamed.body as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['name']);
    expect((await active()).name).toBe(created.name);

    const versions = (await http().get('/api/v1/policies/versions').set(as('auditor')).expect(200))
      .body as PolicyVersionSummaryDto[];
    expect(versions.map((v) => [v.version, v.active])).toEqual([
      [changedVersion, true],
      [bootVersion, false],
    ]);
    expect(JSON.stringify(versions)).not.toContain('cleartext protocol that exposes');

    const stored = (
      await http().get(`/api/v1/policies/versions/${changedVersion}`).set(as('auditor')).expect(200)
    ).body as PolicyVersionDto;
    expect(stored.files).toEqual(files);
  });

  const malformed: [string, () => { files: PolicyFile[]; line?: number; reason: RegExp }][] = [
    [
      'bad YAML',
      () => {
        const { text } = editLine(TEST_RULE, /^title:/, 'title: [unclosed');
        return { files: pack('medium', text), reason: /syntax error/ };
      },
    ],
    [
      'an unknown keyword in a condition (strict mode)',
      () => {
        const { text, line } = editLine(TEST_RULE, /^expect:/, 'expect: { notAKeyword: true }');
        return { files: pack('medium', text), line, reason: /\/expect: .*unknown keyword: "notAKeyword"/ };
      },
    ],
    [
      'a schema violation (severity: urgent)',
      () => {
        const { text, line } = editLine(TEST_RULE, /^severity:/, 'severity: urgent');
        return { files: pack('medium', text), line, reason: /\/severity: / };
      },
    ],
    [
      'a YAML alias that refers to itself (a cyclic document)',
      () => {
        const { text, line } = editLine(
          TEST_RULE,
          /^expect:/,
          'expect: &e { type: object, properties: { a: *e } }',
        );
        return { files: pack('medium', text), line, reason: /refers to a node that contains it/ };
      },
    ],
    [
      'a misbehaving fixture',
      () => {
        const { text, line } = editLine(TEST_RULE, /port: 22 \}/, '    - port: { protocol: tcp, port: 23 }');
        return { files: pack('medium', text), line, reason: /\/fixtures\/pass\/0: .*reports 1 finding/ };
      },
    ],
  ];

  it.each(malformed)(
    'refuses %s with 400 naming file and line, and changes nothing',
    async (_name, variant) => {
      const { files, line, reason } = variant();
      const res = await put(files);
      expect(res.status).toBe(400);
      const body = res.body as ErrorBody;
      expect(body.code).toBe('POLICY_INVALID');
      const field = body.fields?.find((f) => f.field === `files[${files.length - 1}]`);
      expect(field?.reason).toMatch(new RegExp(`^${TEST_RULE_PATH}:${line ?? '\\d+'}:\\d+: `));
      expect(field?.reason).toMatch(reason);
      expect(body.detail).toContain(TEST_RULE_PATH);

      expect((await active()).version).toBe(changedVersion);
      const versions = (await http().get('/api/v1/policies/versions').set(as('auditor')).expect(200))
        .body as PolicyVersionSummaryDto[];
      expect(versions).toHaveLength(2);
    },
  );

  it('refuses unsafe paths and oversized files before parsing them', async () => {
    const res = await put([
      { path: '../etc/passwd.yaml', text: TEST_RULE },
      { path: 'rule.txt', text: TEST_RULE },
      { path: 'big.yaml', text: `# ${'x'.repeat(256 * 1024)}\n${TEST_RULE}` },
    ]);
    expect(res.status).toBe(400);
    const fields = (res.body as ErrorBody).fields?.map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['files[0].path', 'files[1].path', 'files[2].text']));
    expect((await active()).version).toBe(changedVersion);
  });

  it('evaluations after a refused PUT use the version still in force', async () => {
    const client = new ApiClient(app, keys.admin);
    const scopeId = await client.createScope({
      name: 'policy-version',
      targets: ['127.0.0.0/28'],
      ports: [23],
    });
    const imported = await http()
      .post(`/api/v1/scopes/${scopeId}/snapshots`)
      .set(as('scanner'))
      .set('Content-Type', 'application/xml')
      .send(telnetXml(1_790_000_010))
      .expect(201);
    await client.waitForScan((imported.body as { scanId: string }).scanId);
    const findings = (
      await http().get('/api/v1/findings').query({ scope: scopeId }).set(as('auditor')).expect(200)
    ).body as { items: FindingResponseDto[] };
    const cleartextFinding = findings.items.find(
      (f) => f.ruleId === 'pci-dss-v4.1.2.6-insecure-cleartext-service',
    );
    expect(cleartextFinding).toMatchObject({ policyVersion: changedVersion, severity: 'medium' });
    expect(findings.items.find((f) => f.ruleId === 'test.telnet-answers')).toMatchObject({
      policyVersion: changedVersion,
    });
  });

  it('activates an older stored version, and refuses an unknown one', async () => {
    const res = await http()
      .post(`/api/v1/policies/versions/${bootVersion}/activate`)
      .set(as('admin'))
      .expect(200);
    expect(res.body as PolicyResponseDto).toMatchObject({ version: bootVersion, createdBy: 'boot' });
    const policy = await active();
    expect(policy.version).toBe(bootVersion);
    expect(
      policy.rules.find((r) => r.id === 'pci-dss-v4.1.2.6-insecure-cleartext-service')?.severity,
    ).not.toBe('medium');
    expect(policy.rules.some((r) => r.id === 'test.telnet-answers')).toBe(false);

    const unknown = await http()
      .post(`/api/v1/policies/versions/${'0'.repeat(64)}/activate`)
      .set(as('admin'));
    expect(unknown.status).toBe(404);
    expect(
      (
        await http()
          .get(`/api/v1/policies/versions/${'0'.repeat(64)}`)
          .set(as('auditor'))
      ).status,
    ).toBe(404);
    expect((await active()).version).toBe(bootVersion);
  });
});

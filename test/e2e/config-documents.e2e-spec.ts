import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';

import type {
  ConfigChangeListResponseDto,
  ConfigStateListResponseDto,
  ConfigSubmittedDto,
  FindingResponseDto,
} from '@driftwatch/application';
import { scopeWithSnapshot } from '@driftwatch/test/api-client';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

type ErrorBody = { code: string; detail: string; fields?: { field: string; reason: string }[] };

const HOST = '192.0.2.5';

/** `sshd -T` output as Debian's openssh-server 9.2 prints it (abridged), with two settings varied. */
function sshdT(opts: { rootLogin: string; passwords: 'yes' | 'no' }): string {
  return [
    'port 22',
    'addressfamily any',
    'listenaddress [::]:22',
    'listenaddress 0.0.0.0:22',
    'usepam yes',
    'maxauthtries 6',
    `permitrootlogin ${opts.rootLogin}`,
    'pubkeyauthentication yes',
    `passwordauthentication ${opts.passwords}`,
    'kbdinteractiveauthentication no',
    'permitemptypasswords no',
    'x11forwarding yes',
    'authenticationmethods any',
    'ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com',
    'macs umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com',
    'kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org',
    'hostkeyalgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256',
    'subsystem sftp /usr/lib/openssh/sftp-server',
    '',
  ].join('\n');
}

const SNAPSHOT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sV -p 22 192.0.2.0/28" start="1790000000" version="7.93" xmloutputversion="1.05">
<host><status state="up" reason="syn-ack"/><address addr="${HOST}" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/><service name="ssh" method="probed" conf="10"/></port></ports></host>
<runstats><finished time="1790000010" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
`;

/** One malformed document of every kind, each refused whole. */
// Every row has three members: jest reads a test function with more parameters than its row as
// one that takes a `done` callback.
const MALFORMED: [kind: string, content: string, extra: Record<string, string>][] = [
  ['iptables-save', '*filter\n:INPUT DROP [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n', {}],
  [
    'nft-ruleset',
    '{"nftables": [{"rule": {"family": "inet", "table": "filter", "chain": "input", "expr": 5}}]}',
    {},
  ],
  ['sshd-config', 'port 22\npasswordauthentication maybe\n', {}],
  ['login-defs', 'PASS_MAX_DAYS forever\n', {}],
  ['pam-pwquality', 'minlen = twelve\n', {}],
  ['chrony', 'server\n', {}],
  ['ntp', 'server\n', {}],
  ['auditd', 'disk_full_action = explode\n', {}],
  ['rsyslog', '*.* action(type="omfwd" target="logs.example"\n', {}],
  ['pan-scan', '{"root": "/srv", "files": "none"}', {}],
  ['json', '{"vpn": {"mfa": "sometimes"}}', { schema: 'vpn-settings' }],
];

/**
 * Configuration documents through the API: parsed by their kind (a bad one refused whole with a
 * 400 and nothing stored), stored once per content with intervals and drift, and judged with the
 * scope's latest snapshot so that their findings open and resolve like a scan's.
 */
describe('configuration documents', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'scanner' | 'analyst' | 'auditor', string>;
  let scopeId: string;

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['scanner', 'analyst', 'auditor']);
    scopeId = await scopeWithSnapshot(
      app,
      keys,
      { name: 'config', targets: ['192.0.2.0/28'], ports: [22], approvedPorts: [22] },
      SNAPSHOT_XML,
    );
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });
  const submit = (body: Record<string, unknown>) =>
    http().post(`/api/v1/scopes/${scopeId}/config`).set(as('scanner')).send(body);
  const storedRows = async (): Promise<number> => {
    const [row] = await app.get(DataSource).query<{ n: string }[]>(
      `SELECT (SELECT count(*) FROM config_documents) + (SELECT count(*) FROM config_states)
            + (SELECT count(*) FROM config_changes) AS n`,
    );
    return Number(row?.n);
  };
  /** The open finding of a rule (on one asset, when given). */
  const openFinding = async (ruleId: string, asset?: string): Promise<FindingResponseDto | undefined> => {
    const res = await http()
      .get('/api/v1/findings')
      .query({ scope: scopeId, status: 'open', rule: ruleId })
      .set(as('analyst'));
    return (res.body as { items: FindingResponseDto[] }).items.find(
      (f) => f.ruleId === ruleId && (asset === undefined || f.asset === asset),
    );
  };

  it('registers a JSON Schema for generic documents, refusing an invalid or duplicate one', async () => {
    const typo = await http()
      .post('/api/v1/config-schemas')
      .set(as('analyst'))
      .send({ name: 'broken', schema: { type: 'object', requred: ['x'] } });
    expect(typo.status).toBe(400);
    expect((typo.body as ErrorBody).fields?.[0]).toMatchObject({ field: 'schema' });
    const remote = await http()
      .post('/api/v1/config-schemas')
      .set(as('analyst'))
      .send({ name: 'remote', schema: { $ref: 'https://example.com/schema.json' } });
    expect(remote.status).toBe(400);

    const schema = {
      type: 'object',
      required: ['vpn'],
      properties: {
        vpn: {
          type: 'object',
          required: ['mfa'],
          additionalProperties: false,
          properties: { mfa: { type: 'boolean' }, idleTimeoutMinutes: { type: 'integer' } },
        },
      },
    };
    await http()
      .post('/api/v1/config-schemas')
      .set(as('analyst'))
      .send({ name: 'vpn-settings', schema })
      .expect(201);
    const again = await http()
      .post('/api/v1/config-schemas')
      .set(as('analyst'))
      .send({ name: 'vpn-settings', schema: { type: 'object' } });
    expect(again.status).toBe(409);
    const listed = await http().get('/api/v1/config-schemas').set(as('scanner')).expect(200);
    expect((listed.body as { items: { name: string }[] }).items.map((s) => s.name)).toEqual(['vpn-settings']);
  });

  it.each(MALFORMED)(
    'refuses a malformed %s document with a 400 naming where, and stores nothing',
    async (kind, content, extra) => {
      const before = await storedRows();
      const res = await submit({
        kind,
        asset: HOST,
        collectedAt: new Date().toISOString(),
        content,
        ...extra,
      });
      expect(res.status).toBe(400);
      const body = res.body as ErrorBody;
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.detail).toContain(`Invalid ${kind} document`);
      expect(body.fields?.[0]?.field).toMatch(/^content/);
      expect(body.fields?.[0]?.reason.length).toBeGreaterThan(5);
      expect(await storedRows()).toBe(before);
    },
  );

  it('refuses bad submissions field by field: unknown kind, bad asset, future time, schema rules', async () => {
    const now = new Date().toISOString();
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'windows-registry', asset: HOST, collectedAt: now, content: 'x' }, 'kind'],
      [{ kind: 'login-defs', asset: 'two words', collectedAt: now, content: 'PASS_MIN_LEN 12\n' }, 'asset'],
      [
        { kind: 'login-defs', asset: HOST, collectedAt: 'yesterday', content: 'PASS_MIN_LEN 12\n' },
        'collectedAt',
      ],
      [
        {
          kind: 'login-defs',
          asset: HOST,
          collectedAt: '2999-01-01T00:00:00Z',
          content: 'PASS_MIN_LEN 12\n',
        },
        'collectedAt',
      ],
      [{ kind: 'login-defs', asset: HOST, collectedAt: now, content: '' }, 'content'],
      [{ kind: 'login-defs', asset: HOST, collectedAt: now, content: 42 }, 'content'],
      [
        { kind: 'login-defs', asset: HOST, collectedAt: now, tag: 'candidate', content: 'PASS_MIN_LEN 12\n' },
        'tag',
      ],
      [{ kind: 'json', asset: HOST, collectedAt: now, content: '{}' }, 'schema'],
      [{ kind: 'json', asset: HOST, collectedAt: now, schema: 'nope', content: '{}' }, 'schema'],
      [
        {
          kind: 'login-defs',
          asset: HOST,
          collectedAt: now,
          schema: 'vpn-settings',
          content: 'PASS_MIN_LEN 12\n',
        },
        'schema',
      ],
    ];
    const before = await storedRows();
    for (const [body, field] of cases) {
      const res = await submit(body);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect((res.body as ErrorBody).fields?.map((f) => f.field)).toContain(field);
    }
    expect(await storedRows()).toBe(before);
  });

  it('stores a document once, confirms an unchanged resend, and records a change as drift with a line diff', async () => {
    const t0 = new Date(Date.now() - 3 * 60_000);
    const t1 = new Date(t0.getTime() + 60_000);
    const t2 = new Date(t1.getTime() + 60_000);
    const first = await submit({
      kind: 'sshd-config',
      asset: HOST,
      collectedAt: t0.toISOString(),
      content: sshdT({ rootLogin: 'no', passwords: 'no' }),
    }).expect(200);
    const created = first.body as ConfigSubmittedDto;
    expect(created.outcome).toBe('created');
    expect(created.document.facts).toMatchObject({ passwordAuthentication: false, permitRootLogin: 'no' });
    expect(created.document.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const resend = (
      await submit({
        kind: 'sshd-config',
        asset: HOST,
        collectedAt: t1.toISOString(),
        content: sshdT({ rootLogin: 'no', passwords: 'no' }),
      }).expect(200)
    ).body as ConfigSubmittedDto;
    expect(resend).toMatchObject({ outcome: 'unchanged', change: null });
    expect(resend.document.id).toBe(created.document.id);

    const changed = (
      await submit({
        kind: 'sshd-config',
        asset: HOST,
        collectedAt: t2.toISOString(),
        content: sshdT({ rootLogin: 'no', passwords: 'yes' }),
      }).expect(200)
    ).body as ConfigSubmittedDto;
    expect(changed.outcome).toBe('changed');
    expect(changed.change?.changes).toEqual([
      expect.objectContaining({ type: 'setting-changed', from: 'no', to: 'yes' }),
    ]);
    expect(changed.change?.changes[0]?.description).toMatch(/passwordauthentication changed from no to yes/i);
    expect(changed.change?.lineDiff).toContain('-passwordauthentication no');
    expect(changed.change?.lineDiff).toContain('+passwordauthentication yes');

    const states = (
      await http()
        .get(`/api/v1/scopes/${scopeId}/config`)
        .query({ kind: 'sshd-config' })
        .set(as('auditor'))
        .expect(200)
    ).body as ConfigStateListResponseDto;
    expect(states.items).toHaveLength(1);
    expect(states.items[0]?.document.id).toBe(changed.document.id);

    // Any past moment: between the first and the change, the first document was in force,
    // confirmed twice.
    const past = (
      await http()
        .get(`/api/v1/scopes/${scopeId}/config`)
        .query({ kind: 'sshd-config', at: new Date(t1.getTime() + 1000).toISOString() })
        .set(as('auditor'))
        .expect(200)
    ).body as ConfigStateListResponseDto;
    expect(past.items.map((s) => [s.document.id, s.confirmations])).toEqual([[created.document.id, 2]]);

    const feed = (await http().get(`/api/v1/scopes/${scopeId}/config/changes`).set(as('auditor')).expect(200))
      .body as ConfigChangeListResponseDto;
    expect(feed.items[0]).toMatchObject({
      fromDocumentId: created.document.id,
      toDocumentId: changed.document.id,
    });

    const document = await http()
      .get(`/api/v1/config-documents/${created.document.id}`)
      .set(as('auditor'))
      .expect(200);
    expect((document.body as { content: string }).content).toBe(sshdT({ rootLogin: 'no', passwords: 'no' }));

    // History is not rewritten: a different document collected before the one in force is refused.
    const late = await submit({
      kind: 'sshd-config',
      asset: HOST,
      collectedAt: t1.toISOString(),
      content: sshdT({ rootLogin: 'yes', passwords: 'yes' }),
    });
    expect(late.status).toBe(409);
  });

  // iptables-save stamps every run with the time and its counters; sent by a scheduled collector,
  // each run used to be stored as a new document and recorded as drift with no change in it.
  it('confirms a resend that differs only in timestamps, counters, comments and line ends', async () => {
    const asset = '192.0.2.11';
    const save = (at: string, counters: string, extra = '') =>
      `# Generated by iptables-save v1.8.9 (nf_tables) on ${at}\n*filter\n:INPUT DROP ${counters}\n` +
      `:FORWARD DROP [0:0]\n:OUTPUT ACCEPT ${counters}\n${counters} -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n` +
      `${extra}COMMIT\n# Completed on ${at}\n`;
    const t = Date.now() - 60_000;
    const send = (content: string, at: number) =>
      submit({ kind: 'iptables-save', asset, collectedAt: new Date(at).toISOString(), content }).expect(200);
    const first = (await send(save('Wed Nov 25 00:00:01 2026', '[1:60]'), t)).body as ConfigSubmittedDto;
    const rows = await storedRows();
    const again = (
      await send(save('Wed Nov 25 00:05:01 2026', '[977:58620]').replace(/\n/g, '\r\n'), t + 1000)
    ).body as ConfigSubmittedDto;
    expect(again).toMatchObject({ outcome: 'unchanged', change: null });
    expect(again.document.id).toBe(first.document.id);
    expect(await storedRows()).toBe(rows);

    const changed = (
      await send(
        save('Wed Nov 25 00:10:01 2026', '[990:59400]', '-A INPUT -p tcp -m tcp --dport 23 -j ACCEPT\n'),
        t + 2000,
      )
    ).body as ConfigSubmittedDto;
    expect(changed.outcome).toBe('changed');
    expect(changed.change?.changes).toEqual([expect.objectContaining({ type: 'rule-added' })]);
  });

  it('judges the documents in force with the latest snapshot: findings open and resolve', async () => {
    const ruleId = 'pci-dss-v4.2.2.7-sshd-root-login';
    await submit({
      kind: 'sshd-config',
      asset: HOST,
      collectedAt: new Date().toISOString(),
      content: sshdT({ rootLogin: 'yes', passwords: 'no' }),
    }).expect(200);
    const finding = await waitFor('the root-login finding', () => openFinding(ruleId));
    expect(finding).toMatchObject({ asset: HOST, subject: 'config:sshd-config', severity: 'high' });
    expect(finding.message).toContain('PermitRootLogin yes');

    await submit({
      kind: 'sshd-config',
      asset: HOST,
      collectedAt: new Date(Date.now() + 1000).toISOString(),
      content: sshdT({ rootLogin: 'no', passwords: 'no' }),
    }).expect(200);
    await waitFor('the root-login finding to resolve', async () =>
      (await openFinding(ruleId)) ? undefined : true,
    );
    // The network finding of the same evaluation is untouched by the config evaluation.
    const res = await http().get('/api/v1/findings').query({ scope: scopeId }).set(as('analyst')).expect(200);
    const resolved = (res.body as { items: FindingResponseDto[] }).items.find((f) => f.ruleId === ruleId);
    expect(resolved?.status).toBe('resolved');
  });

  it('judges each Match block of an sshd_config file: a block that lets root in from one network is a finding', async () => {
    const asset = '192.0.2.12';
    const ruleId = 'pci-dss-v4.2.2.7-sshd-root-login';
    const file = (blockRootLogin: string) =>
      [
        'PermitRootLogin no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'Match Address 10.9.0.0/16',
        `  PermitRootLogin ${blockRootLogin}`,
        '',
      ].join('\n');
    const findingOf = () => openFinding(ruleId, asset);
    const t = Date.now() - 10_000;
    await submit({
      kind: 'sshd-config',
      asset,
      collectedAt: new Date(t).toISOString(),
      content: file('yes'),
    }).expect(200);
    const finding = await waitFor('the root-login finding of the Match block', findingOf);
    expect(finding.message).toBe(
      `${asset}: sshd allows root to log in, globally or in a Match block (global: PermitRootLogin no)`,
    );
    // The evidence names the block's fact that fails.
    expect(JSON.stringify(finding.evidence)).toContain('matchBlocks/0/effective/permitRootLogin');

    await submit({
      kind: 'sshd-config',
      asset,
      collectedAt: new Date(t + 1000).toISOString(),
      content: file('no'),
    }).expect(200);
    await waitFor('the finding to resolve', async () => ((await findingOf()) ? undefined : true));
  });

  it('compares the running and the saved (startup) ruleset of an asset by their facts (1.2.8)', async () => {
    const ruleset = (policy: 'ACCEPT' | 'DROP', counters: string) =>
      `# Generated by iptables-save\n*filter\n:INPUT ${policy} ${counters}\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n` +
      '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n';
    const send = (tag: string, content: string, at: number) =>
      submit({
        kind: 'iptables-save',
        asset: '192.0.2.9',
        tag,
        collectedAt: new Date(at).toISOString(),
        content,
      }).expect(200);
    const ruleId = 'pci-dss-v4.1.2.8-running-differs-from-saved';
    const t = Date.now() - 30_000;
    // Counters differ, the rules do not: the same configuration.
    await send('running', ruleset('DROP', '[120:7200]'), t);
    await send('startup', ruleset('DROP', '[0:0]'), t + 1000);
    await waitFor('both documents to be judged', async () => {
      const res = await http()
        .get(`/api/v1/scopes/${scopeId}/config`)
        .query({ asset: '192.0.2.9' })
        .set(as('auditor'));
      return (res.body as ConfigStateListResponseDto).items.length === 2 ? true : undefined;
    });
    await send('startup', ruleset('ACCEPT', '[0:0]'), t + 2000);
    const finding = await waitFor('the running-vs-saved finding', () => openFinding(ruleId));
    expect(finding).toMatchObject({ asset: '192.0.2.9', subject: 'config:iptables-save:running' });
    expect(finding.message).toContain('differs from the saved one');
    await send('startup', ruleset('DROP', '[0:0]'), t + 3000);
    await waitFor('the finding to resolve', async () => ((await openFinding(ruleId)) ? undefined : true));
  });

  it('finds a default deny that rules accepting every connection from anywhere never let act (1.2.1)', async () => {
    const asset = '192.0.2.11';
    const ruleset = (...rules: string[]) =>
      [
        '*filter',
        ':INPUT DROP [0:0]',
        ':FORWARD DROP [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ...rules,
        'COMMIT',
        '',
      ].join('\n');
    const ruleId = 'pci-dss-v4.1.2.1-firewall-default-allow';
    const findingOf = () => openFinding(ruleId, asset);
    const t = Date.now() - 10_000;
    // Neither rule alone accepts everything; together every packet from another host is accepted.
    const sent = await submit({
      kind: 'iptables-save',
      asset,
      collectedAt: new Date(t).toISOString(),
      content: ruleset('-A INPUT ! -i lo -j ACCEPT', '-A INPUT -i lo -j ACCEPT'),
    }).expect(200);
    expect((sent.body as ConfigSubmittedDto).document.facts).toMatchObject({
      summary: { input: { defaultDeny: true, openToAll: ['tcp', 'udp', 'sctp', 'icmp'] } },
    });
    const finding = await waitFor('the default-allow finding', findingOf);
    expect(finding.message).toBe(
      `${asset}: the iptables-save ruleset accepts new connections that no specific rule allows ` +
        '(input: default drop, open to all: tcp, udp, sctp, icmp; forward: default drop, open to all: none)',
    );

    await submit({
      kind: 'iptables-save',
      asset,
      collectedAt: new Date(t + 1000).toISOString(),
      content: ruleset('-A INPUT -i lo -j ACCEPT', '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'),
    }).expect(200);
    await waitFor('the finding to resolve', async () => ((await findingOf()) ? undefined : true));
  });

  it('stores a generic JSON document validated against its registered schema', async () => {
    const ok = (
      await submit({
        kind: 'json',
        schema: 'vpn-settings',
        asset: 'vpn-gw-1',
        collectedAt: new Date().toISOString(),
        content: '{"vpn": {"mfa": true, "idleTimeoutMinutes": 15}}',
      }).expect(200)
    ).body as ConfigSubmittedDto;
    expect(ok.document).toMatchObject({ kind: 'json', schema: 'vpn-settings', asset: 'vpn-gw-1' });
    expect(ok.document.facts).toEqual({
      schema: 'vpn-settings',
      document: { vpn: { mfa: true, idleTimeoutMinutes: 15 } },
    });
    const bad = await submit({
      kind: 'json',
      schema: 'vpn-settings',
      asset: 'vpn-gw-1',
      collectedAt: new Date().toISOString(),
      content: '{"vpn": {"mfa": true, "split": 1}}',
    });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).fields?.[0]).toMatchObject({ field: 'content/vpn' });
  });

  it('keeps json documents of different schemas on one asset in force side by side, each its own stream', async () => {
    for (const [name, schema] of [
      ['app-flags', { type: 'object', properties: { debug: { type: 'boolean' } } }],
      ['any-object', { type: 'object' }],
    ] as const) {
      await http().post('/api/v1/config-schemas').set(as('analyst')).send({ name, schema }).expect(201);
    }
    const asset = 'vpn-gw-2';
    const t = Date.now() - 60_000;
    const send = (schema: string, content: string, at: number) =>
      submit({ kind: 'json', schema, asset, collectedAt: new Date(at).toISOString(), content }).expect(200);

    const vpn = (await send('vpn-settings', '{"vpn": {"mfa": true}}', t)).body as ConfigSubmittedDto;
    const flags = (await send('app-flags', '{"debug": false}', t + 1000)).body as ConfigSubmittedDto;
    // The same text under a third schema is a document of that schema, not a confirmation of the first.
    const same = (await send('any-object', '{"vpn": {"mfa": true}}', t + 2000)).body as ConfigSubmittedDto;
    expect([vpn, flags, same].map((r) => [r.outcome, r.document.schema, r.change])).toEqual([
      ['created', 'vpn-settings', null],
      ['created', 'app-flags', null],
      ['created', 'any-object', null],
    ]);
    expect(same.document.id).not.toBe(vpn.document.id);

    const states = await http().get(`/api/v1/scopes/${scopeId}/config`).query({ asset }).set(as('auditor'));
    expect(
      (states.body as ConfigStateListResponseDto).items.map((s) => [s.document.schema, s.document.id]),
    ).toEqual([
      ['any-object', same.document.id],
      ['app-flags', flags.document.id],
      ['vpn-settings', vpn.document.id],
    ]);

    // A change is one stream's: the vpn settings changed, and the change names their schema.
    const changed = (await send('vpn-settings', '{"vpn": {"mfa": false}}', t + 3000))
      .body as ConfigSubmittedDto;
    expect(changed).toMatchObject({
      outcome: 'changed',
      change: { schema: 'vpn-settings', fromDocumentId: vpn.document.id },
    });
    const changes = await http()
      .get(`/api/v1/scopes/${scopeId}/config/changes`)
      .query({ asset })
      .set(as('auditor'))
      .expect(200);
    expect(
      (changes.body as ConfigChangeListResponseDto).items.map((c) => [c.schema, c.fromDocumentId]),
    ).toEqual([['vpn-settings', vpn.document.id]]);
    // Back to the first content: the stored document of that stream is found again.
    const back = (await send('vpn-settings', '{"vpn": {"mfa": true}}', t + 4000)).body as ConfigSubmittedDto;
    expect(back).toMatchObject({
      outcome: 'changed',
      document: { id: vpn.document.id, schema: 'vpn-settings' },
    });
  });

  it('refuses a PAN-scan report holding a full card number without echoing it', async () => {
    const pan = '4532015112830366';
    const before = await storedRows();
    const res = await submit({
      kind: 'pan-scan',
      asset: HOST,
      collectedAt: new Date().toISOString(),
      content: JSON.stringify({
        root: '/srv',
        scannedFiles: 1,
        skippedFiles: [],
        bytesScanned: 10,
        totalMatches: 1,
        testNumbers: 0,
        files: [{ path: 'orders.csv', count: 1, brands: { visa: 1 }, samples: [pan], lines: [1] }],
      }),
    });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(pan);
    expect(res.text).not.toMatch(/\d{13,}/);
    expect(await storedRows()).toBe(before);
  });

  // JSON.parse keeps a duplicate key's last value and reads digits deep in a number literal as
  // nothing: the report checked was clean, and its text, stored as sent, held the card number.
  it('stores a PAN-scan report as the JSON it was checked as, never its text: a duplicate key or a number literal cannot carry a card number in', async () => {
    const pan = '4539148803436467';
    const report = (root: string) =>
      `{"root":"${pan}","root":"${root}","scannedFiles":1.0000000000000000000000${pan},"skippedFiles":[],` +
      '"bytesScanned":10,"totalMatches":0,"testNumbers":0,"files":[]}';
    const res = await submit({
      kind: 'pan-scan',
      asset: '192.0.2.41',
      collectedAt: new Date().toISOString(),
      content: report('/srv'),
    }).expect(200);
    const id = (res.body as { document: { id: string } }).document.id;
    const stored = await http().get(`/api/v1/config-documents/${id}`).set(as('auditor')).expect(200);
    expect(stored.text).not.toContain(pan);
    const [row] = await app
      .get(DataSource)
      .query<{ content: string }[]>('SELECT content FROM config_documents WHERE id = $1', [id]);
    expect(row.content).not.toContain(pan);
    expect(JSON.parse(row.content)).toMatchObject({ root: '/srv', scannedFiles: 1 });
  });

  // An escape in JSON text reaches the database as a NUL or a lone surrogate, which it refuses.
  it('refuses JSON content whose escapes spell a NUL or a lone surrogate, naming where', async () => {
    for (const [escape, reason] of [
      ['\\u0000', /NUL character/],
      ['\\ud800', /lone UTF-16 surrogate/],
    ] as const) {
      const res = await submit({
        kind: 'pan-scan',
        asset: '192.0.2.42',
        collectedAt: new Date().toISOString(),
        content: `{"root":"/srv${escape}","scannedFiles":1,"skippedFiles":[],"bytesScanned":10,"totalMatches":0,"testNumbers":0,"files":[]}`,
      }).expect(400);
      expect((res.body as { fields: { field: string; reason: string }[] }).fields).toEqual([
        { field: 'content/root', reason: expect.stringMatching(reason) as string },
      ]);
    }
  });

  // The document in force was seen again after this one was collected: this one is not current.
  it('refuses a document collected before the document in force was last confirmed', async () => {
    const send = (content: string, at: string) =>
      submit({ kind: 'sshd-config', asset: '192.0.2.20', collectedAt: at, content });
    await send('PermitRootLogin no\n', '2023-01-01T00:00:00Z').expect(200);
    await send('PermitRootLogin no\n', '2023-03-01T00:00:00Z').expect(200);
    const late = await send('PermitRootLogin yes\n', '2023-02-01T00:00:00Z').expect(409);
    expect((late.body as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual([
      'collectedAt',
    ]);
    await send('PermitRootLogin yes\n', '2023-03-02T00:00:00Z').expect(200);
  });
});

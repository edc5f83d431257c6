import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

import type { ConfigSubmittedDto, FindingResponseDto } from '@driftwatch/application';
import type { FirewallExposure } from '@driftwatch/config-state';
import { scopeWithSnapshot } from '@driftwatch/test/api-client';
import { waitFor } from '@driftwatch/test/services';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

const run = promisify(execFile);
const SBIN = {
  ip: '/usr/sbin/ip',
  iptables: '/usr/sbin/iptables',
  nft: '/usr/sbin/nft',
  sshd: '/usr/sbin/sshd',
};

const FIREWALL_HOST = '192.0.2.5';
const ROUTER = '192.0.2.6';
const SNAPSHOT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sV -p 22 192.0.2.0/28" start="1790000000" version="7.93" xmloutputversion="1.05">
${[FIREWALL_HOST, ROUTER]
  .map(
    (addr) => `<host><status state="up" reason="syn-ack"/><address addr="${addr}" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/><service name="ssh" method="probed" conf="10"/></port></ports></host>`,
  )
  .join('\n')}
<runstats><finished time="1790000010" exit="success"/><hosts up="2" down="0" total="2"/></runstats>
</nmaprun>
`;

// A host firewall that accepts whatever no rule names: 1.2.1's default-allow finding.
const NFT_RULESET = `table inet filter {
  chain input {
    type filter hook input priority filter; policy accept;
    ct state established,related accept
    tcp dport 22 accept
  }
}
`;

/**
 * Real documents, collected as a collector does, through the API: `nft -j list ruleset` and
 * `iptables-save` from rules this test loads into its own network namespaces, `sshd -T` from
 * Debian's OpenSSH with a config file the test writes, and a login.defs it writes. Each is parsed,
 * stored, evaluated into findings, and a changed ruleset shows up as drift naming the added rule.
 * Needs root for the namespaces; it fails without, never skips.
 */
describe('configuration collected from real tools, stored and evaluated', () => {
  const id = randomBytes(3).toString('hex');
  const nftNs = `dw-${id}-cfn`;
  const iptNs = `dw-${id}-cfi`;
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'scanner' | 'analyst', string>;
  let scopeId: string;
  let dir: string;

  beforeAll(async () => {
    for (const ns of [nftNs, iptNs]) await run(SBIN.ip, ['netns', 'add', ns]);
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-collect-'));
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['scanner', 'analyst']);
    scopeId = await scopeWithSnapshot(
      app,
      keys,
      { name: 'collected', targets: ['192.0.2.0/28'], ports: [22], approvedPorts: [22] },
      SNAPSHOT_XML,
    );
  });

  afterAll(async () => {
    for (const ns of [nftNs, iptNs]) await run(SBIN.ip, ['netns', 'del', ns]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    await app?.close();
    await env?.cleanup();
  });

  const http = () => request(httpServer(app));
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });
  const inNs = async (ns: string, file: string, args: string[]): Promise<string> =>
    (await run(SBIN.ip, ['netns', 'exec', ns, file, ...args], { encoding: 'utf8' })).stdout;
  let clock = Date.now() - 60_000;
  const submit = async (kind: string, asset: string, content: string): Promise<ConfigSubmittedDto> => {
    clock += 1000;
    const res = await http()
      .post(`/api/v1/scopes/${scopeId}/config`)
      .set(as('scanner'))
      .send({ kind, asset, collectedAt: new Date(clock).toISOString(), content });
    expect({ status: res.status, body: res.status === 200 ? 'ok' : (res.body as unknown) }).toEqual({
      status: 200,
      body: 'ok',
    });
    return res.body as ConfigSubmittedDto;
  };
  const findings = async (status: 'open' | 'resolved'): Promise<FindingResponseDto[]> =>
    (
      (await http().get('/api/v1/findings').query({ scope: scopeId, status, limit: 500 }).set(as('analyst')))
        .body as { items: FindingResponseDto[] }
    ).items;
  const finding = (status: 'open' | 'resolved', ruleId: string, asset: string) =>
    waitFor(`${status} ${ruleId} on ${asset}`, async () =>
      (await findings(status)).find((f) => f.ruleId === ruleId && f.asset === asset),
    );

  it('nft -j list ruleset: a default-accept input hook is a finding; the fix is drift naming the rule and policy', async () => {
    await writeFile(join(dir, 'ruleset.nft'), NFT_RULESET);
    await inNs(nftNs, SBIN.nft, ['-f', join(dir, 'ruleset.nft')]);
    const first = await submit(
      'nft-ruleset',
      FIREWALL_HOST,
      await inNs(nftNs, SBIN.nft, ['-j', 'list', 'ruleset']),
    );
    expect(first.outcome).toBe('created');
    expect(first.document.facts).toMatchObject({
      backend: 'nftables',
      summary: { input: { defaultDeny: false } },
    });
    const open = await finding('open', 'pci-dss-v4.1.2.1-firewall-default-allow', FIREWALL_HOST);
    expect(open.subject).toBe('config:nft-ruleset');

    await inNs(nftNs, SBIN.nft, ['add', 'rule', 'inet', 'filter', 'input', 'tcp', 'dport', '443', 'accept']);
    await inNs(nftNs, SBIN.nft, ['chain', 'inet', 'filter', 'input', '{ policy drop; }']);
    const fixed = await submit(
      'nft-ruleset',
      FIREWALL_HOST,
      await inNs(nftNs, SBIN.nft, ['-j', 'list', 'ruleset']),
    );
    expect(fixed.outcome).toBe('changed');
    const descriptions = fixed.change?.changes.map((c) => c.description) ?? [];
    expect(descriptions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/policy.*accept.*drop/),
        expect.stringMatching(/rule added to inet filter\/input.*tcp dport 443 accept/),
      ]),
    );
    await finding('resolved', 'pci-dss-v4.1.2.1-firewall-default-allow', FIREWALL_HOST);
  });

  it('iptables-save: a default-deny ruleset passes, and an added rule is drift that names it', async () => {
    for (const args of [
      ['-P', 'INPUT', 'DROP'],
      ['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-s', '198.18.20.0/24', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT'],
    ])
      await inNs(iptNs, SBIN.iptables, ['-w', ...args]);
    const first = await submit('iptables-save', ROUTER, await inNs(iptNs, '/usr/sbin/iptables-save', []));
    expect(first.document.facts).toMatchObject({
      backend: 'iptables',
      summary: { input: { defaultDeny: true } },
    });

    await inNs(iptNs, SBIN.iptables, ['-w', '-A', 'INPUT', '-p', 'tcp', '--dport', '23', '-j', 'ACCEPT']);
    const changed = await submit('iptables-save', ROUTER, await inNs(iptNs, '/usr/sbin/iptables-save', []));
    expect(changed.outcome).toBe('changed');
    expect(changed.change?.changes).toEqual([
      expect.objectContaining({
        type: 'rule-added',
        description: expect.stringContaining('-A INPUT -p tcp -m tcp --dport 23 -j ACCEPT') as unknown,
      }),
    ]);
    expect(changed.change?.lineDiff).toContain('+-A INPUT -p tcp -m tcp --dport 23 -j ACCEPT');
    // The effective exposure: tcp/22 from 198.18.20.0/24 only, tcp/23 from anywhere, default drop.
    const exposure = await http()
      .get(`/api/v1/config-documents/${changed.document.id}/exposure`)
      .set(as('analyst'))
      .expect(200);
    const input = (exposure.body as { hooks: { input: FirewallExposure } }).hooks.input;
    expect(input.defaultAction).toBe('drop');
    expect(input.allowed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          sources: ['198.18.20.0/24'],
          protocol: 'tcp',
          ports: [{ from: 22, to: 22 }],
        }),
        expect.objectContaining({ sources: ['0.0.0.0/0'], protocol: 'tcp', ports: [{ from: 23, to: 23 }] }),
      ]),
    );
    // The default deny holds throughout: no default-allow finding for this ruleset.
    await waitFor('the change to be evaluated', async () => {
      const res = await http().get(`/api/v1/scopes/${scopeId}/config`).set(as('analyst'));
      return res.status === 200 ? true : undefined;
    });
    expect((await findings('open')).filter((f) => f.asset === ROUTER && f.ruleId.includes('1.2.1'))).toEqual(
      [],
    );
  });

  it('sshd -T from Debian OpenSSH: root login and passwords in the effective config are findings', async () => {
    await mkdir('/run/sshd', { recursive: true }); // sshd wants it even to print its configuration
    const key = join(dir, 'host_ed25519');
    await run('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const config = join(dir, 'sshd_config');
    await writeFile(
      config,
      'PermitRootLogin yes\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n',
    );
    const output = (await run(SBIN.sshd, ['-T', '-f', config, '-h', key], { encoding: 'utf8' })).stdout;
    const stored = await submit('sshd-config', FIREWALL_HOST, output);
    expect(stored.document.facts).toMatchObject({ permitRootLogin: 'yes', passwordAuthentication: true });
    await finding('open', 'pci-dss-v4.2.2.7-sshd-root-login', FIREWALL_HOST);
    await finding('open', 'pci-dss-v4.2.2.7-sshd-password-authentication', FIREWALL_HOST);
  });

  it('a login.defs the test writes: a minimum password length below 12 is a finding', async () => {
    const stored = await submit(
      'login-defs',
      ROUTER,
      'PASS_MAX_DAYS 90\nPASS_MIN_LEN 8\nENCRYPT_METHOD YESCRYPT\n',
    );
    expect(stored.document.facts).toMatchObject({ passMinLen: 8, passMaxDays: 90 });
    const open = await finding('open', 'pci-dss-v4.8.3.6-password-min-length-login-defs', ROUTER);
    expect(open.message).toContain('PASS_MIN_LEN 8');
  });
});

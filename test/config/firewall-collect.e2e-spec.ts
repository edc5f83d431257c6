import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  diffFirewall,
  firewallExposure,
  type FirewallFacts,
  firewallVerdict,
  iptablesSaveHandler,
  nftRulesetHandler,
} from '@driftwatch/config-state';

/**
 * Collects real rulesets the way an agent would (`iptables-save`, `nft -j list ruleset`) from two
 * fresh network namespaces, parses them, and checks the analysis against what was installed. The
 * namespaces have no interfaces to the outside; rules use only 198.18.0.0/15. Needs root: without
 * CAP_NET_ADMIN/CAP_SYS_ADMIN it fails, it never skips.
 */

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n; // ip netns add bind-mounts the namespace

function rootProblem(): string | undefined {
  const status = readFileSync('/proc/self/status', 'utf8');
  const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
  const has = (bit: bigint): boolean => ((capEff >> bit) & 1n) === 1n;
  if (!has(CAP_NET_ADMIN) || !has(CAP_SYS_ADMIN)) {
    return (
      'test/config/firewall-collect.e2e-spec.ts needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): it creates ' +
      'network namespaces and loads iptables and nftables rules in them. Run the integration tests as root.'
    );
  }
  const missing = ['ip', 'iptables', 'iptables-save', 'nft'].filter((tool) => !findTool(tool));
  if (missing.length > 0)
    return `firewall collection needs ${missing.join(', ')}: apt-get install -y iproute2 iptables nftables`;
  return undefined;
}

function findTool(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin'].filter(
    Boolean,
  )) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs argv (no shell) and resolves to stdout; rejects with stderr on a non-zero exit. */
function run(argv: readonly string[]): Promise<string> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(
      findTool(file ?? '') ?? file ?? '',
      args,
      { encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${argv.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

const inNs = (ns: string, argv: readonly string[]): Promise<string> =>
  run(['ip', 'netns', 'exec', ns, ...argv]);

describe('firewall rulesets collected from real iptables and nftables', () => {
  const id = randomBytes(3).toString('hex');
  const fw4 = `dw-${id}-fw4`;
  const nftNs = `dw-${id}-nft`;
  const created: string[] = [];
  let dir: string | undefined;

  beforeAll(async () => {
    const problem = rootProblem();
    if (problem) throw new Error(problem);
    for (const ns of [fw4, nftNs]) {
      await run(['ip', 'netns', 'add', ns]);
      created.push(ns);
    }
    dir = await mkdtemp(path.join(tmpdir(), `dw-fw-${id}-`));
  });

  afterAll(async () => {
    // Also after a failed test: nothing may outlive the run.
    for (const ns of created) await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('iptables (iptables-save)', () => {
    const iptables = (...args: string[]) => inNs(fw4, ['iptables', '-w', ...args]);
    const collect = async (): Promise<FirewallFacts> =>
      iptablesSaveHandler.parse(await inNs(fw4, ['iptables-save']));
    let before: FirewallFacts;

    beforeAll(async () => {
      await iptables('-P', 'INPUT', 'DROP');
      await iptables('-P', 'FORWARD', 'DROP');
      await iptables('-N', 'MGMT');
      await iptables('-A', 'INPUT', '-i', 'lo', '-j', 'ACCEPT');
      await iptables('-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
      await iptables(
        '-A',
        'INPUT',
        '-s',
        '198.18.20.0/24',
        '-p',
        'tcp',
        '--dport',
        '22',
        '-m',
        'comment',
        '--comment',
        'corp admins',
        '-j',
        'ACCEPT',
      );
      await iptables('-A', 'INPUT', '-s', '198.18.30.0/24', '-j', 'MGMT');
      await iptables('-A', 'MGMT', '-p', 'tcp', '-m', 'multiport', '--dports', '443,8443', '-j', 'ACCEPT');
      await iptables('-A', 'INPUT', '-p', 'icmp', '-m', 'limit', '--limit', '5/s', '-j', 'ACCEPT');
      await iptables('-A', 'INPUT', '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset');
      before = await collect();
    });

    it('sees a default deny on input and forward', () => {
      expect(before.summary.input).toEqual({
        chains: 1,
        rules: 6,
        defaultAction: 'drop',
        defaultDeny: true,
        acceptsAll: false,
        // Rate-limited ICMP from anywhere: every ICMP packet may come in (the limit is not modelled).
        openToAll: ['icmp'],
      });
      expect(before.summary.forward).toMatchObject({ defaultDeny: true });
      expect(before.summary.output).toMatchObject({ defaultAction: 'accept', acceptsAll: true });
    });

    it('lists exactly the sources and ports that may connect', () => {
      const exposure = firewallExposure(before, 'input');
      expect(exposure.uncertain).toEqual([]);
      expect(exposure.allowed).toEqual([
        {
          sources: ['198.18.20.0/24'],
          destinations: ['0.0.0.0/0'],
          protocol: 'tcp',
          ports: [{ from: 22, to: 22 }],
        },
        {
          sources: ['198.18.30.0/24'],
          destinations: ['0.0.0.0/0'],
          protocol: 'tcp',
          ports: [
            { from: 443, to: 443 },
            { from: 8443, to: 8443 },
          ],
        },
        { sources: ['0.0.0.0/0'], destinations: ['0.0.0.0/0'], protocol: 'icmp', ports: [] },
      ]);
    });

    it('judges packets like the kernel would', () => {
      // Arriving on a named interface: the `-i lo` rule is then decided, not uncertain.
      const packet = (source: string, protocol: 'tcp' | 'udp', port: number) =>
        firewallVerdict(before, {
          hook: 'input',
          source,
          destination: '198.18.1.1',
          protocol,
          port,
          inInterface: 'eth0',
        });
      expect(packet('198.18.20.5', 'tcp', 22)).toMatchObject({
        action: 'accept',
        certain: true,
        decidedBy: {
          table: 'filter',
          chain: 'INPUT',
          text: '-A INPUT -s 198.18.20.0/24 -p tcp -m tcp --dport 22 -m comment --comment "corp admins" -j ACCEPT',
        },
      });
      expect(packet('198.18.30.9', 'tcp', 8443)).toMatchObject({
        action: 'accept',
        path: ['filter/INPUT', 'filter/MGMT'],
      });
      expect(packet('198.18.21.5', 'tcp', 22)).toMatchObject({ action: 'reject', certain: true });
      expect(packet('198.18.20.5', 'udp', 53)).toMatchObject({
        action: 'drop',
        decidedBy: { table: 'filter', chain: 'INPUT' },
      });
      // Without an interface, the loopback accept could have matched.
      expect(
        firewallVerdict(before, {
          hook: 'input',
          source: '198.18.21.5',
          destination: '198.18.1.1',
          protocol: 'tcp',
          port: 22,
        }),
      ).toMatchObject({
        action: 'reject',
        certain: false,
        uncertainRules: ['-A INPUT -i lo -j ACCEPT'],
      });
    });

    it('names exactly the rule added between two collections', async () => {
      // Before the catch-all REJECT (position 6), so that it takes effect.
      await iptables('-I', 'INPUT', '6', '-p', 'tcp', '--dport', '23', '-j', 'ACCEPT');
      const after = await collect();
      expect(diffFirewall(before, after)).toEqual([
        {
          type: 'rule-added',
          path: 'filter/INPUT',
          to: '-A INPUT -p tcp -m tcp --dport 23 -j ACCEPT',
          description:
            'rule added to filter/INPUT at position 6: -A INPUT -p tcp -m tcp --dport 23 -j ACCEPT',
        },
      ]);
      expect(iptablesSaveHandler.diff(before, after)).toHaveLength(1);
      expect(firewallExposure(after, 'input').allowed).toContainEqual({
        sources: ['0.0.0.0/0'],
        destinations: ['0.0.0.0/0'],
        protocol: 'tcp',
        ports: [{ from: 23, to: 23 }],
      });
    });
  });

  describe('nftables (nft -j list ruleset)', () => {
    const collect = async (): Promise<FirewallFacts> =>
      nftRulesetHandler.parse(await inNs(nftNs, ['nft', '-j', 'list', 'ruleset']));
    let before: FirewallFacts;

    beforeAll(async () => {
      const file = path.join(dir ?? tmpdir(), 'ruleset.nft');
      await writeFile(
        file,
        [
          'table inet filter {',
          '  set admins {',
          '    type ipv4_addr',
          '    flags interval',
          '    elements = { 198.18.20.0/24, 198.18.22.10 }',
          '  }',
          '  chain input {',
          '    type filter hook input priority filter; policy drop;',
          '    ct state established,related accept',
          '    iifname "lo" accept',
          '    ip saddr @admins tcp dport 22 accept comment "admins"',
          '    ip saddr 198.18.30.0/24 tcp dport { 443, 8443 } accept',
          '    counter',
          '  }',
          '  chain forward {',
          '    type filter hook forward priority filter; policy drop;',
          '  }',
          '}',
          '',
        ].join('\n'),
      );
      await inNs(nftNs, ['nft', '-f', file]);
      before = await collect();
    });

    it('sees a default deny on input and forward', () => {
      expect(before.backend).toBe('nftables');
      expect(before.summary.input).toEqual({
        chains: 1,
        rules: 5,
        defaultAction: 'drop',
        defaultDeny: true,
        acceptsAll: false,
        openToAll: [],
      });
      expect(before.summary.forward).toEqual({
        chains: 1,
        rules: 0,
        defaultAction: 'drop',
        defaultDeny: true,
        acceptsAll: false,
        openToAll: [],
      });
    });

    it('resolves the named set and lists exactly the sources and ports that may connect', () => {
      const exposure = firewallExposure(before, 'input');
      expect(exposure.uncertain).toEqual([]);
      expect(exposure.allowed).toEqual([
        {
          sources: ['198.18.20.0/24', '198.18.22.10/32'],
          destinations: ['0.0.0.0/0'],
          protocol: 'tcp',
          ports: [{ from: 22, to: 22 }],
        },
        {
          sources: ['198.18.30.0/24'],
          destinations: ['0.0.0.0/0'],
          protocol: 'tcp',
          ports: [
            { from: 443, to: 443 },
            { from: 8443, to: 8443 },
          ],
        },
      ]);
    });

    it('judges packets like the kernel would', () => {
      const packet = (source: string, port: number) =>
        firewallVerdict(before, {
          hook: 'input',
          source,
          destination: '198.18.1.1',
          protocol: 'tcp',
          port,
          inInterface: 'eth0',
        });
      expect(packet('198.18.22.10', 22)).toMatchObject({
        action: 'accept',
        certain: true,
        decidedBy: {
          table: 'inet filter',
          chain: 'input',
          ruleIndex: 2,
          text: 'ip saddr @admins tcp dport 22 accept comment "admins"',
        },
      });
      expect(packet('198.18.22.11', 22)).toMatchObject({
        action: 'drop',
        certain: true,
        decidedBy: { table: 'inet filter', chain: 'input' },
      });
    });

    it('names exactly the rule added between two collections (counters differ, handles too)', async () => {
      await inNs(nftNs, ['nft', 'add', 'rule', 'inet', 'filter', 'input', 'tcp', 'dport', '23', 'accept']);
      const after = await collect();
      expect(diffFirewall(before, after)).toEqual([
        {
          type: 'rule-added',
          path: 'inet filter/input',
          to: 'tcp dport 23 accept',
          description: 'rule added to inet filter/input at position 6: tcp dport 23 accept',
        },
      ]);
    });
  });
});

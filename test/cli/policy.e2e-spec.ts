import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { type CliOutcome, runCli, runCliWithStdout } from '@driftwatch/test/cli';

const PACK = resolve(__dirname, '../../policies/pci-dss-v4');

function cli(...args: string[]): Promise<CliOutcome> {
  return runCli(args, { env: process.env });
}

const GOOD_RULE = `id: test.telnet
title: Telnet
requirements: ['PCI DSS v4.0.1 2.2.7']
severity: high
subject: service
where:
  type: object
  properties:
    port: { type: object, required: [port], properties: { port: { const: 23 } } }
expect: false
message: '{{address}} runs telnet'
fixtures:
  fail: [{ port: { port: 23 } }]
  pass: [{ port: { port: 22 } }]
`;

// An nmap -oX document written for these tests: one host with telnet and ssh open.
const SCAN = `<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sV 192.0.2.7" start="1700000000" version="7.93" xmloutputversion="1.05">
<host><status state="up" reason="echo-reply"/><address addr="192.0.2.7" addrtype="ipv4"/>
<ports>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/><service name="ssh" product="OpenSSH" version="9.2p1"/></port>
<port protocol="tcp" portid="23"><state state="open" reason="syn-ack"/><service name="telnet" product="Linux telnetd"/></port>
</ports></host>
<runstats><finished time="1700000060" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
`;

describe('driftwatch policy lint | test, evaluate (no server)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dw-policy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('lints and tests the shipped pack clean', async () => {
    const lint = await cli('policy', 'lint', PACK);
    expect(lint).toMatchObject({ code: 0 });
    expect(lint.stdout).toMatch(/\d+ rules, no problems \(version [0-9a-f]{64}\)/);
    const test = await cli('policy', 'test', PACK, '--format', 'json');
    expect(test.code).toBe(0);
    const report = JSON.parse(test.stdout) as { ok: boolean; failed: number; passed: number };
    expect(report).toMatchObject({ ok: true, failed: 0 });
    expect(report.passed).toBeGreaterThanOrEqual(60);
  });

  it('reports every bad file with its line: bad YAML, an unknown keyword, a schema violation', async () => {
    write('a-good.yaml', GOOD_RULE);
    write('b-bad-yaml.yaml', GOOD_RULE.replace('title: Telnet', 'title: [Telnet'));
    write(
      'c-unknown-keyword.yaml',
      GOOD_RULE.replace('id: test.telnet', 'id: test.c').replace(
        'properties:\n    port',
        'proprties:\n    port',
      ),
    );
    write(
      'd-schema.yaml',
      GOOD_RULE.replace('id: test.telnet', 'id: test.d').replace('severity: high', 'severity: urgent'),
    );
    const { code, stdout } = await cli('policy', 'lint', dir);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/b-bad-yaml\.yaml:\d+:\d+: \/: syntax error/);
    expect(lines[1]).toMatch(
      /c-unknown-keyword\.yaml:7:\d+: rule test\.c: \/where: invalid condition schema: strict mode: unknown keyword: "proprties"/,
    );
    expect(lines[2]).toMatch(
      /d-schema\.yaml:4:\d+: rule test\.d: \/severity: must be equal to one of the allowed values: "critical", "high"/,
    );
    expect(lines[3]).toBe('3 of 4 rule files have problems');
  });

  it('lints rule files reached through symlinks and in subfolders, as the API takes folder paths', async () => {
    write('a.yaml', GOOD_RULE);
    symlinkSync(join(PACK, '1.2.5-open-port-not-approved.yaml'), join(dir, 'b.yaml'));
    mkdirSync(join(dir, 'network'));
    cpSync(join(PACK, '1.2.6-snmp-exposed.yaml'), join(dir, 'network', 'c.yaml'));
    const { code, stdout } = await cli('policy', 'lint', dir, '--format', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, files: 3, rules: 3 });
  });

  it('exits 2 naming a dangling symlink instead of linting the pack without its rule', async () => {
    write('a.yaml', GOOD_RULE);
    symlinkSync(join(dir, 'deleted.yaml'), join(dir, 'b.yaml'));
    const { code, stderr } = await cli('policy', 'lint', dir);
    expect(code).toBe(2);
    expect(stderr).toContain(`${join(dir, 'b.yaml')}: a symlink whose target cannot be read`);
  });

  it('refuses what PUT /api/v1/policies refuses: a file over 262144 bytes, bytes that are not UTF-8', async () => {
    write('a-good.yaml', GOOD_RULE);
    const big = write(
      'b-big.yaml',
      `${GOOD_RULE.replace('test.telnet', 'test.big')}# ${'x'.repeat(400_000)}\n`,
    );
    writeFileSync(
      join(dir, 'c-latin1.yaml'),
      Buffer.concat([
        Buffer.from(GOOD_RULE.replace('test.telnet', 'test.latin1')),
        Buffer.from('# caf'),
        Buffer.from([0xe9]),
        Buffer.from('\n'),
      ]),
    );
    const { code, stdout } = await cli('policy', 'lint', dir);
    expect(code).toBe(1);
    expect(stdout.trim().split('\n')).toEqual([
      `${big}: /: the file has ${statSync(big).size} bytes, more than the 262144 a rule file may have`,
      `${join(dir, 'c-latin1.yaml')}:15:6: /: the file is not UTF-8 text`,
      '2 of 3 rule files have problems',
    ]);
  });

  it('fails policy test, naming the rule and fixture, when a fixture misbehaves', async () => {
    write(
      'telnet.yaml',
      GOOD_RULE.replace('pass: [{ port: { port: 22 } }]', 'pass: [{ port: { port: 23 } }]'),
    );
    const { code, stdout } = await cli('policy', 'test', dir);
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL: ');
    expect(stdout).toContain('test.telnet: pass fixture 0 fails: the rule reports 1 finding(s) for it');
    expect(stdout).toContain('PASS: 1/2 fixtures of 1 rules');
  });

  it('evaluates an nmap XML file offline: JSON findings, exit 1 at --fail-on, 0 below it', async () => {
    const xml = write('scan.xml', SCAN);
    const failing = await cli(
      'evaluate',
      '--nmap-xml',
      xml,
      '--policy',
      PACK,
      '--format',
      'json',
      '--fail-on',
      'high',
      '--approved-ports',
      '22,23',
    );
    expect(failing.code).toBe(1);
    const { findings, policy } = JSON.parse(failing.stdout) as {
      findings: {
        ruleId: string;
        requirements: string[];
        severity: string;
        address: string;
        port: number;
        protocol: string;
        message: string;
      }[];
      policy: { version: string };
    };
    expect(policy.version).toMatch(/^[0-9a-f]{64}$/);
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId: 'pci-dss-v4.1.2.6-insecure-cleartext-service',
        requirements: expect.arrayContaining(['2.2.7', '8.3.2']) as unknown,
        severity: 'high',
        address: '192.0.2.7',
        port: 23,
        protocol: 'tcp',
        message: expect.stringContaining('telnet') as unknown,
      }),
    );
    expect(findings.some((f) => f.port === 22 && f.ruleId.includes('1.2.5'))).toBe(false);
    const passing = await cli(
      'evaluate',
      '--nmap-xml',
      xml,
      '--policy',
      PACK,
      '--fail-on',
      'critical',
      '--approved-ports',
      '22,23',
    );
    expect(passing.code).toBe(0);
    expect(passing.stdout).toMatch(
      /HIGH +192\.0\.2\.7 tcp\/23 +pci-dss-v4\.1\.2\.6-insecure-cleartext-service/,
    );
  });

  it('judges TLS and SSH rules offline from the NSE output in the XML (ssl-enum-ciphers, ssh-auth-methods)', async () => {
    // Recorded from nmap 7.93 against an `openssl s_server -min_protocol TLSv1` and Debian's sshd.
    const xml = resolve(__dirname, '../../libs/nmap/src/facts/__fixtures__/local-tls-ssh.xml');
    const { code, stdout } = await cli(
      'evaluate',
      '--nmap-xml',
      xml,
      '--policy',
      PACK,
      '--format',
      'json',
      '--approved-ports',
      '44301,44302',
    );
    expect(code).toBe(0);
    const { findings } = JSON.parse(stdout) as { findings: { ruleId: string; port: number }[] };
    const found = findings.map((f) => `${f.port} ${f.ruleId}`);
    expect(found).toEqual(
      expect.arrayContaining([
        '44301 pci-dss-v4.4.2.1-tls-below-1.2',
        '44301 pci-dss-v4.4.2.1-weak-cipher-grade',
        '44301 pci-dss-v4.4.2.1-certificate-self-signed',
        '44302 pci-dss-v4.8.4.2-ssh-password-authentication',
      ]),
    );
  });

  it('applies a context file: a role that approves the ports', async () => {
    const xml = write('scan.xml', SCAN);
    const context = write(
      'context.yaml',
      `roles: [{ name: legacy, approvedPorts: [tcp/22, tcp/23] }]\ninventory: [{ address: 192.0.2.7, role: legacy }]\n`,
    );
    const { stdout } = await cli(
      'evaluate',
      '--nmap-xml',
      xml,
      '--policy',
      PACK,
      '--context',
      context,
      '--format',
      'json',
    );
    const { findings } = JSON.parse(stdout) as { findings: { ruleId: string }[] };
    expect(findings.some((f) => f.ruleId.includes('1.2.5'))).toBe(false);
  });

  it('ends quietly with its own exit code when the reader of stdout has left (| head -c1)', async () => {
    for (const args of [
      ['policy', 'test', PACK, '--format', 'json'],
      ['policy', 'lint', PACK],
    ]) {
      const result = await runCliWithStdout(args, 'closed', { env: process.env });
      expect(result).toEqual({ code: 0, signal: null, stderr: '' });
    }
  });

  it.each([
    [['evaluate', '--policy', PACK], /--nmap-xml and --policy are required/],
    [
      ['evaluate', '--nmap-xml', 'x.xml', '--policy', PACK, '--fail-on', 'severe'],
      /--fail-on must be one of critical, high/,
    ],
    [
      ['evaluate', '--nmap-xml', '/nonexistent/scan.xml', '--policy', PACK],
      /cannot read \/nonexistent\/scan\.xml/,
    ],
    [
      ['evaluate', '--nmap-xml', 'x.xml', '--policy', PACK, '--approved-ports', '22,http'],
      /"http" is not a port number/,
    ],
    [
      ['evaluate', '--nmap-xml', 'x.xml', '--policy', PACK, '--approved-ports', '443,0x46B5,1e1'],
      /evaluate: --approved-ports: "0x46B5" is not a port number \(1-65535, decimal digits\)/,
    ],
    [
      ['evaluate', '--nmap-xml', 'x.xml', '--policy', PACK, '--approved-ports', '18101.0'],
      /"18101\.0" is not a port number/,
    ],
    [['evaluate', '--nmap-xml', 'x.xml', '--policy', PACK, '--colour'], /Unknown option '--colour'/],
    [['policy', 'lint'], /give exactly one policy folder/],
    [['policy', 'lint', '/nonexistent/policies'], /cannot read the policy folder/],
    [['policy', 'format', PACK], /give lint or test/],
  ])('exits 2 with a message for bad arguments: %j', async (args, message) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('exits 2 on truncated nmap XML, an invalid context or a broken policy, never 0', async () => {
    const truncated = write('truncated.xml', SCAN.slice(0, SCAN.length / 2));
    expect((await cli('evaluate', '--nmap-xml', truncated, '--policy', PACK)).code).toBe(2);
    const xml = write('scan.xml', SCAN);
    const badContext = write(
      'context.yaml',
      'zones: [{ name: cde, networks: [10.0.0.0/33], classification: cde }]\n',
    );
    const context = await cli('evaluate', '--nmap-xml', xml, '--policy', PACK, '--context', badContext);
    expect(context.code).toBe(2);
    expect(context.stderr).toContain('context.zones[0].networks[0]');
    const policyDir = join(dir, 'policy');
    cpSync(PACK, policyDir, { recursive: true });
    writeFileSync(join(policyDir, 'zz-broken.yaml'), 'id: [');
    const broken = await cli('evaluate', '--nmap-xml', xml, '--policy', policyDir);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/zz-broken\.yaml:1:\d+/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { requireBuiltCli, runCli } from '@driftwatch/test/cli';

interface PortSpec {
  port: number;
  state: string;
  service?: string;
}

/** A small nmap -oX document for one scan, written for these tests. */
function nmapXml(hosts: { addr: string; ports: PortSpec[]; closed?: number }[]): string {
  const body = hosts
    .map(({ addr, ports, closed }) => {
      const extra = closed ? `<extraports state="closed" count="${closed}"/>` : '';
      const listed = ports
        .map(
          (p) =>
            `<port protocol="tcp" portid="${p.port}"><state state="${p.state}" reason="syn-ack"/>${p.service ?? ''}</port>`,
        )
        .join('\n');
      return `<host><status state="up" reason="echo-reply"/><address addr="${addr}" addrtype="ipv4"/>
<ports>${extra}
${listed}
</ports></host>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sV 192.0.2.0/28" start="1700000000" version="7.93" xmloutputversion="1.05">
${body}
<runstats><finished time="1700000060" exit="success"/><hosts up="${hosts.length}" down="0" total="16"/></runstats>
</nmaprun>
`;
}

const ssh = (version: string) =>
  `<service name="ssh" product="OpenSSH" version="${version}" method="probed" conf="10"/>`;

/** `driftwatch diff` from the built CLI, with no database, Redis or configuration in its environment. */
describe('driftwatch diff (built CLI)', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-diff-'));
    writeFileSync(
      file('old.xml'),
      nmapXml([
        {
          addr: '192.0.2.5',
          closed: 996,
          ports: [
            { port: 22, state: 'open', service: ssh('8.9') },
            { port: 80, state: 'open', service: '<service name="http" method="table" conf="3"/>' },
          ],
        },
        { addr: '192.0.2.7', ports: [{ port: 443, state: 'open' }], closed: 999 },
      ]),
    );
    writeFileSync(
      file('new.xml'),
      nmapXml([
        {
          addr: '192.0.2.5',
          closed: 996,
          ports: [
            { port: 22, state: 'open', service: ssh('9.6') },
            { port: 23, state: 'open', service: '<service name="telnet" method="table" conf="3"/>' },
          ],
        },
        { addr: '192.0.2.9', ports: [{ port: 3389, state: 'open' }], closed: 999 },
      ]),
    );
    writeFileSync(file('broken.xml'), '<nmaprun scanner="nmap"><host><status state="up"/>');
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(args, { cwd: dir });

  it('prints one line per change and exits 1 when the scans differ', async () => {
    const { code, stdout, stderr } = await cli('diff', 'old.xml', 'new.xml');
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout.trimEnd().split('\n')).toEqual([
      '~ 192.0.2.5 tcp/22 service OpenSSH 8.9 -> OpenSSH 9.6',
      '+ 192.0.2.5 tcp/23 open telnet (was closed)',
      '- 192.0.2.5 tcp/80 open http (now closed)',
      '- 192.0.2.7 host up: tcp/443 open',
      '+ 192.0.2.9 host up: tcp/3389 open',
    ]);
  });

  it('prints the same changes as {"changes":[...]} with --format json', async () => {
    const { code, stdout } = await cli('diff', 'old.xml', 'new.xml', '--format', 'json');
    expect(code).toBe(1);
    const { changes } = JSON.parse(stdout) as { changes: Record<string, unknown>[] };
    expect(changes.map((c) => c.type)).toEqual([
      'service-changed',
      'port-added',
      'port-removed',
      'host-removed',
      'host-appeared',
    ]);
    expect(changes[0]).toEqual({
      type: 'service-changed',
      address: '192.0.2.5',
      port: 22,
      protocol: 'tcp',
      before: { name: 'ssh', product: 'OpenSSH', version: '8.9' },
      after: { name: 'ssh', product: 'OpenSSH', version: '9.6' },
    });
    expect(changes[1]).toEqual({
      type: 'port-added',
      address: '192.0.2.5',
      port: 23,
      protocol: 'tcp',
      before: { state: 'closed' },
      after: { state: 'open', service: { name: 'telnet' } },
    });
  });

  it('prints nothing and exits 0 for identical scans (json: an empty list)', async () => {
    await expect(cli('diff', 'old.xml', 'old.xml')).resolves.toEqual({ code: 0, stdout: '', stderr: '' });
    const json = await cli('diff', '--format', 'json', 'new.xml', 'new.xml');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ changes: [] });
  });

  it('exits 2 naming the file when a file is not valid nmap XML', async () => {
    const { code, stdout, stderr } = await cli('diff', 'old.xml', 'broken.xml');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^driftwatch: broken\.xml: Invalid nmap XML/);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 with "cannot read" and the reason when a file is missing', async () => {
    const { code, stderr } = await cli('diff', 'missing.xml', 'new.xml');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^driftwatch: cannot read missing\.xml: ENOENT/);
  });

  it('exits 2 with usage for a missing argument, an unknown option or an unknown --format', async () => {
    const missing = await cli('diff', 'old.xml');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/give exactly two nmap XML files/);
    const format = await cli('diff', 'old.xml', 'new.xml', '--format', 'yaml');
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format must be text or json/);
    expect((await cli('diff', 'old.xml', 'new.xml', '--colour')).code).toBe(2);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseNmapXml } from '@driftwatch/nmap';
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

  describe('checks every host, also those the same in both files', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      addr: `192.0.2.${i + 1}`,
      ports: [{ port: 22, state: 'open', service: ssh('9.6') }],
      closed: 999,
    }));
    const badPort = (xml: string, addr: string) =>
      xml.replace(new RegExp(`(addr="${addr.replace(/\./g, '\\.')}"[^]*?)portid="22"`), '$1portid="99999"');
    /** The message a parse of the whole file gives, which `diff` must give too. */
    const wholeParseError = async (name: string) => {
      try {
        await parseNmapXml(readFileSync(file(name), 'utf8'));
      } catch (error: unknown) {
        if (error instanceof Error) return `driftwatch: ${name}: ${error.message}\n`;
      }
      throw new Error(`${name} parses`);
    };

    it('exits 2 for a file with an invalid port diffed against itself, as evaluate refuses it', async () => {
      writeFileSync(file('bad-port.xml'), badPort(nmapXml(many), '192.0.2.4'));
      const { code, stdout, stderr } = await cli('diff', 'bad-port.xml', 'bad-port.xml');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(await wholeParseError('bad-port.xml'));
      expect(stderr).toContain('invalid portid "99999"');
    });

    it('exits 2 for an invalid host unchanged between the files, even when another host changed', async () => {
      writeFileSync(file('same-bad-old.xml'), badPort(nmapXml(many), '192.0.2.4'));
      const changed = many.map((h) => (h.addr === '192.0.2.9' ? { ...h, ports: [] } : h));
      writeFileSync(file('same-bad-new.xml'), badPort(nmapXml(changed), '192.0.2.4'));
      const { code, stdout, stderr } = await cli('diff', 'same-bad-old.xml', 'same-bad-new.xml');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(await wholeParseError('same-bad-old.xml'));
    });

    it('names the line and column of the fault in the file, not in the changed hosts it parsed', async () => {
      writeFileSync(file('late-old.xml'), nmapXml(many));
      writeFileSync(file('late-new.xml'), badPort(nmapXml(many), '192.0.2.11'));
      const { code, stderr } = await cli('diff', 'late-old.xml', 'late-new.xml');
      expect(code).toBe(2);
      const line =
        readFileSync(file('late-new.xml'), 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('99999')) + 1;
      expect(stderr).toContain(`late-new.xml: Invalid nmap XML at line ${line}, column `);
      expect(stderr).toBe(await wholeParseError('late-new.xml'));
    });

    // The old file is checked on a worker thread while this one checks the new file: which of
    // the two finds its error first must not decide which is reported.
    it("reports the old file's error when both files are invalid, though the new one's is found sooner", async () => {
      writeFileSync(file('both-old.xml'), badPort(nmapXml(many), '192.0.2.12'));
      const early = nmapXml(many).replace('<host><status state="up"', '<host starttime=1><status state="up"');
      writeFileSync(file('both-new.xml'), early);
      await expect(cli('diff', 'old.xml', 'both-new.xml')).resolves.toMatchObject({ code: 2 });
      const { code, stdout, stderr } = await cli('diff', 'both-old.xml', 'both-new.xml');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(await wholeParseError('both-old.xml'));
    });

    // A named pipe (or `<(…)` in a shell) has no size to read a file into up front.
    it('reads the old scan from a named pipe as from a file, and checks it the same', async () => {
      const piped = async (xml: string) => {
        const fifo = file(`scan-${Math.random().toString(36).slice(2)}.fifo`);
        execFileSync('mkfifo', [fifo]);
        const run = cli('diff', fifo, 'new.xml');
        // Opening a FIFO for writing waits for its reader: the CLI.
        await writeFile(fifo, xml);
        return { ...(await run), fifo };
      };
      const fromFile = await cli('diff', 'old.xml', 'new.xml');
      const good = await piped(readFileSync(file('old.xml'), 'utf8'));
      expect(good).toMatchObject({ code: 1, stdout: fromFile.stdout, stderr: '' });
      writeFileSync(file('pipe-bad.xml'), badPort(nmapXml(many), '192.0.2.4'));
      const bad = await piped(readFileSync(file('pipe-bad.xml'), 'utf8'));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe((await wholeParseError('pipe-bad.xml')).replace('pipe-bad.xml', bad.fifo));
    });

    it("reports the old file's error found while the new file is still being read", async () => {
      writeFileSync(file('early-bad.xml'), badPort(nmapXml(many), '192.0.2.1'));
      const fifo = file('slow-new.fifo');
      execFileSync('mkfifo', [fifo]);
      const run = cli('diff', 'early-bad.xml', fifo);
      // The writer opens the pipe at once (the CLI is reading it) but sends nothing for a second,
      // long after the old file's check has failed.
      const writer = await open(fifo, 'w');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await writer.writeFile(nmapXml(many));
      await writer.close();
      const { code, stdout, stderr } = await run;
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(await wholeParseError('early-bad.xml'));
    });

    it('exits 2 for a malformed <times/> of a host otherwise the same in both files', async () => {
      const timed = (xml: string, times: string) =>
        xml.replace(/<\/ports><\/host>/g, `</ports>${times}</host>`);
      writeFileSync(file('times-old.xml'), timed(nmapXml(many), '<times srtt="1" rttvar="2" to="3"/>'));
      writeFileSync(file('times-new.xml'), timed(nmapXml(many), '<times srtt="1" rttvar=2 to="3"/>'));
      const { code, stderr } = await cli('diff', 'times-old.xml', 'times-new.xml');
      expect(code).toBe(2);
      expect(stderr).toBe(await wholeParseError('times-new.xml'));
    });
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

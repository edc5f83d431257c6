import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

import { type Lab, labPrerequisiteProblem, startLab, type ZoneName } from '@driftwatch/test/lab';

const run = promisify(execFile);

/** nmap's normal-output port table as { port: state }. */
function portStates(nmapOutput: string): Record<number, string> {
  const states: Record<number, string> = {};
  for (const [, port, state] of nmapOutput.matchAll(/^(\d+)\/tcp\s+(\S+)/gm)) states[Number(port)] = state;
  return states;
}

/** A TCP client for inside a zone: sends argv[3], prints the first line it gets back. */
const LINE_CLIENT = `
const [host, port, message] = process.argv.slice(1);
const socket = require('node:net').connect(Number(port), host, () => socket.write(message));
let received = '';
socket.setTimeout(5000, () => { console.error('timeout'); process.exit(3); });
socket.on('data', (chunk) => {
  received += chunk;
  if (received.includes('\\n')) { process.stdout.write(received); socket.destroy(); }
});
socket.on('error', (error) => { console.error(error.code); process.exit(2); });
`;

/** An echo-like server on the host's loopback, standing in for PostgreSQL / Redis. */
async function loopbackServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => socket.end(`host loopback got ${chunk.toString().trim()}\n`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as { port: number }).port };
}

describe('network lab: cde, corp and dmz behind a router firewall', () => {
  let lab: Lab | undefined;
  let loopback: { server: Server; port: number } | undefined;

  beforeAll(async () => {
    lab = await startLab();
    loopback = await loopbackServer();
  });

  // Runs when a test failed too; stop() also removes the namespaces.
  afterAll(async () => {
    await lab?.stop();
    if (loopback) await new Promise((resolve) => loopback?.server.close(resolve));
  });

  function theLab(): Lab {
    if (!lab) throw new Error('startLab() failed in beforeAll');
    return lab;
  }

  async function scan(
    from: ZoneName,
    target: string,
    ports: readonly number[],
    extra: readonly string[] = [],
  ): Promise<Record<number, string>> {
    const argv = ['nmap', '-sT', '-Pn', '-n', ...extra, '-p', ports.join(','), target];
    const result = await theLab().exec(from, argv);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return portStates(result.stdout);
  }

  it('lets corp reach ssh (22) and tls (443) in the cde while the firewall filters telnet (23)', async () => {
    const { cde } = theLab().zones;
    expect(await scan('corp', cde.hostAddress, [22, 23, 80, 443])).toEqual({
      22: 'open',
      23: 'filtered',
      80: 'filtered',
      443: 'open',
    });
  });

  it('lets corp reach the dmz web server on 80', async () => {
    expect(await scan('corp', theLab().zones.dmz.hostAddress, [80])).toEqual({ 80: 'open' });
  });

  it('filters every cde service from the dmz', async () => {
    // Nothing answers, so nmap has no round-trip sample and would wait its 1 s default per probe.
    const rtt = ['--max-rtt-timeout', '250ms'];
    expect(await scan('dmz', theLab().zones.cde.hostAddress, [22, 23, 443], rtt)).toEqual({
      22: 'filtered',
      23: 'filtered',
      443: 'filtered',
    });
  });

  it('opens cde telnet (23) to corp once a firewall rule allows it', async () => {
    const l = theLab();
    await l.firewall([
      '-I',
      'FORWARD',
      '-s',
      '198.18.20.0/24',
      '-d',
      '198.18.10.10',
      '-p',
      'tcp',
      '--dport',
      '23',
      '-j',
      'ACCEPT',
    ]);
    expect(await scan('corp', l.zones.cde.hostAddress, [23])).toEqual({ 23: 'open' });
  });

  it('lets a process inside corp reach a server on the host 127.0.0.1 through the management proxy', async () => {
    const l = theLab();
    const proxy = await l.managementProxy('corp', loopback?.port ?? 0);
    expect(proxy.host).toMatch(/^198\.19\.\d+\.\d+$/);

    const reply = await l.exec('corp', [
      process.execPath,
      '-e',
      LINE_CLIENT,
      proxy.host,
      String(proxy.port),
      'ping\n',
    ]);
    expect(reply).toEqual({ code: 0, stdout: 'host loopback got ping\n', stderr: '' });
  });

  it('routes only the management /30 to the host: corp keeps its default route on the router, dmz gets nothing', async () => {
    const l = theLab();
    const proxy = await l.managementProxy('corp', loopback?.port ?? 0);

    const routes = (await l.exec('corp', ['ip', '-4', 'route'])).stdout.trim().split('\n');
    expect(routes).toHaveLength(3);
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^default via 198\.18\.20\.1 /),
        expect.stringMatching(/^198\.18\.20\.0\/24 /),
        expect.stringMatching(/^198\.19\.\d+\.\d+\/30 /),
      ]),
    );
    // dmz has no management link: its packets to the proxy end at the router, which has no route.
    const fromDmz = await l.exec('dmz', [
      process.execPath,
      '-e',
      LINE_CLIENT,
      proxy.host,
      String(proxy.port),
      'x\n',
    ]);
    expect(fromDmz.code).not.toBe(0);
    expect(fromDmz.stdout).toBe('');
  });

  it('removes every namespace and interface of the lab on stop(), and a second stop() is harmless', async () => {
    const l = theLab();
    await l.managementProxy('corp', loopback?.port ?? 0); // a root-namespace veth end to remove
    const rootLinks = async () => (await run('ip', ['-o', 'link', 'show'])).stdout;
    const namespaces = async () => (await run('ip', ['netns', 'list'])).stdout;
    expect(await rootLinks()).toContain(`dw${l.id}`);
    expect(await namespaces()).toContain(`dw-${l.id}-corp`);

    await l.stop();

    expect(await namespaces()).not.toContain(`dw-${l.id}-`);
    expect(await rootLinks()).not.toContain(`dw${l.id}`);
    await expect(l.stop()).resolves.toBeUndefined();
    await expect(run('bash', [path.join(__dirname, 'lab.sh'), 'down', l.id])).resolves.toBeDefined();
  });
});

describe('network lab prerequisites', () => {
  it('explains that the lab needs root (CAP_NET_ADMIN) and which Debian packages, instead of skipping', () => {
    const withoutCaps = labPrerequisiteProblem(0n, []);
    expect(withoutCaps).toMatch(/needs root: CAP_NET_ADMIN/);
    expect(withoutCaps).toMatch(/iproute2, iptables, openssh-server, python3/);

    const allCaps = (1n << 40n) - 1n;
    expect(labPrerequisiteProblem(allCaps, ['iptables'])).toMatch(/apt-get install -y iptables/);
    expect(labPrerequisiteProblem(allCaps, [])).toBeUndefined();
  });
});

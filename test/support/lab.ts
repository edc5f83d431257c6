import { type ChildProcess, execFile, spawn as spawnProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { TcpProxy } from './tcp-proxy';

/**
 * A multi-zone network lab for end-to-end tests (test/lab/lab.sh builds the network): network
 * namespaces `cde`, `corp` and `dmz` joined through a `router` namespace whose iptables FORWARD
 * chain is the firewall, with real services inside the zones. Addresses only from 198.18.0.0/15;
 * nothing leaves the namespaces the lab made.
 *
 * Default firewall (FORWARD policy DROP): ESTABLISHED,RELATED; corp -> dmz tcp 80; corp -> cde
 * tcp 22 and 443; dmz -> cde nothing. Change it with `lab.firewall([...iptables args])`.
 *
 *   let lab: Lab | undefined;
 *   beforeAll(async () => { lab = await startLab(); });
 *   afterAll(() => lab?.stop()); // also when a test failed
 *
 * Needs root (CAP_NET_ADMIN); without it startLab throws, it never skips.
 */

export type ZoneName = 'cde' | 'corp' | 'dmz';
/** Where a command can run: a zone's host, or the router. */
export type LabPlace = ZoneName | 'router';

export const ZONE_NAMES: readonly ZoneName[] = ['cde', 'corp', 'dmz'];

export interface LabZone {
  readonly name: ZoneName;
  /** The network namespace, `dw-<id>-<zone>`. */
  readonly ns: string;
  /** The zone's one host, e.g. 198.18.10.10; the zone's services listen here. */
  readonly hostAddress: string;
  /** The router's address in the zone, the zone's default route. */
  readonly routerAddress: string;
  readonly subnet: string;
}

/** The services `startLab()` runs inside the zones, on each zone's hostAddress. */
export const LAB_SERVICES = {
  cde: { ssh: 22, telnet: 23, tls: 443 },
  dmz: { http: 80 },
} as const;

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status; a command killed by a signal or the timeout rejects instead. */
  code: number;
}

export interface Lab {
  /** 6 lowercase hex characters; in every namespace (`dw-<id>-…`) and interface (`dw<id>…`) name. */
  readonly id: string;
  readonly zones: Readonly<Record<ZoneName, LabZone>>;
  readonly router: { readonly ns: string };
  /** Runs argv (program first, no shell) inside a namespace; a non-zero exit is a result, not an error. */
  exec(where: LabPlace, argv: readonly string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  /**
   * Starts a long-running process inside a namespace; `env` is added to this process's environment.
   * stdout/stderr are piped (and drained, so the child never blocks). Killed by stop().
   */
  spawn(where: LabPlace, cmd: string, args?: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** `iptables -w ...args` in the router namespace; rejects on failure; resolves to stdout. */
  firewall(args: readonly string[]): Promise<string>;
  /**
   * A TCP proxy in the root namespace, on the zone's management link, forwarding to
   * 127.0.0.1:localPort (e.g. PostgreSQL or Redis for a worker inside the zone). Returns the
   * address a process inside `zone` connects to. The link (a veth with a /30 of 198.19.0.0/16
   * derived from the lab ID) is made on first use; the zone routes only that /30 to it. Note that
   * root-namespace services bound to 0.0.0.0 are reachable from that zone at the same address.
   */
  managementProxy(zone: ZoneName, localPort: number): Promise<{ host: string; port: number }>;
  /** Kills every process in the lab, removes its namespaces and interfaces. Idempotent. */
  stop(): Promise<void>;
}

export interface LabOptions {
  /** Start the zone services (LAB_SERVICES); default true. */
  services?: boolean;
}

const LAB_SH = path.resolve(__dirname, '../lab/lab.sh');
const ZONE_SERVICE_JS = path.resolve(__dirname, '../lab/zone-service.js');
/** lab.sh up: this ID (or its management block) is taken, nothing was created. */
const EXIT_TAKEN = 3;
const OCTET: Record<ZoneName, number> = { cde: 10, corp: 20, dmz: 30 };

// ---------------------------------------------------------------------------------------------
// Prerequisites

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n; // `ip netns add` bind-mounts the namespace

/** Tools the lab runs, and the Debian package of each. */
const TOOLS: Record<string, string> = {
  ip: 'iproute2',
  ss: 'iproute2',
  iptables: 'iptables',
  sshd: 'openssh-server',
  'ssh-keygen': 'openssh-server',
  python3: 'python3',
  openssl: 'openssl',
};
const PACKAGES = 'iproute2, iptables, openssh-server, python3';

function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why the lab cannot run here (effective capabilities, tools not found), or undefined. */
export function labPrerequisiteProblem(capEff: bigint, missingTools: readonly string[]): string | undefined {
  const hasCap = (bit: bigint) => ((capEff >> bit) & 1n) === 1n;
  if (!hasCap(CAP_NET_ADMIN) || !hasCap(CAP_SYS_ADMIN)) {
    return (
      'The network lab (test/support/lab.ts) needs root: CAP_NET_ADMIN (network namespaces, veth ' +
      'pairs, iptables) and CAP_SYS_ADMIN (ip netns add). Run the integration tests as root, on ' +
      `Debian with the packages ${PACKAGES} (npm test installs them when run as root).`
    );
  }
  if (missingTools.length > 0) {
    const packages = [...new Set(missingTools.map((tool) => TOOLS[tool] ?? tool))];
    return (
      `The network lab needs ${missingTools.join(', ')}: apt-get install -y ${packages.join(' ')} ` +
      `(the lab uses the Debian packages ${PACKAGES}; npm test installs them when run as root).`
    );
  }
  return undefined;
}

function assertLabPrerequisites(): void {
  const status = readFileSync('/proc/self/status', 'utf8');
  const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
  const missing = Object.keys(TOOLS).filter((tool) => !findTool(tool));
  const problem = labPrerequisiteProblem(capEff, missing);
  if (problem) throw new Error(problem);
}

// ---------------------------------------------------------------------------------------------
// Processes

function run(file: string, args: readonly string[], timeoutMs = 60_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr, code: 0 });
        if (typeof error.code === 'number') return resolve({ stdout, stderr, code: error.code });
        const why = error.killed ? `killed (${error.signal ?? 'timeout'}) after at most ${timeoutMs} ms` : '';
        reject(new Error(`${file} ${args.join(' ')}: ${why || error.message}\n${stderr}`));
      },
    );
  });
}

async function labScript(args: readonly string[]): Promise<ExecResult> {
  return run('bash', [LAB_SH, ...args]);
}

/** The last few KiB a child wrote, for error messages. */
const outputTails = new WeakMap<ChildProcess, string>();

function drain(child: ChildProcess): void {
  outputTails.set(child, '');
  const keep = (chunk: Buffer) =>
    outputTails.set(child, `${outputTails.get(child)}${chunk.toString()}`.slice(-4096));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
}

async function terminate(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// The lab

class NetworkLab implements Lab {
  readonly zones: Record<ZoneName, LabZone>;
  readonly router: { ns: string };
  private readonly ip: string;
  private readonly children = new Set<ChildProcess>();
  private readonly proxies: TcpProxy[] = [];
  private readonly mgmtLinks = new Map<ZoneName, Promise<string>>();
  private tempDir: string | undefined;
  private stopping: Promise<void> | undefined;

  constructor(readonly id: string) {
    this.ip = findTool('ip') ?? 'ip';
    this.router = { ns: `dw-${id}-router` };
    const zone = (name: ZoneName): LabZone => ({
      name,
      ns: `dw-${id}-${name}`,
      hostAddress: `198.18.${OCTET[name]}.10`,
      routerAddress: `198.18.${OCTET[name]}.1`,
      subnet: `198.18.${OCTET[name]}.0/24`,
    });
    this.zones = { cde: zone('cde'), corp: zone('corp'), dmz: zone('dmz') };
  }

  private ns(where: LabPlace): string {
    return where === 'router' ? this.router.ns : this.zones[where].ns;
  }

  exec(where: LabPlace, argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new Error('exec: empty argv');
    return run(this.ip, ['netns', 'exec', this.ns(where), ...argv], options.timeoutMs);
  }

  spawn(
    where: LabPlace,
    cmd: string,
    args: readonly string[] = [],
    env: NodeJS.ProcessEnv = {},
  ): ChildProcess {
    if (this.stopping) throw new Error(`lab ${this.id} is stopping`);
    // `ip netns exec` execs cmd: the child's pid is the command's, so killing it kills the command.
    const child = spawnProcess(this.ip, ['netns', 'exec', this.ns(where), cmd, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.on('error', () => undefined); // a failed start shows as the exit
    drain(child);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  async firewall(args: readonly string[]): Promise<string> {
    const result = await this.exec('router', ['iptables', '-w', ...args]);
    if (result.code !== 0) {
      throw new Error(`iptables ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
    }
    return result.stdout;
  }

  async managementProxy(zone: ZoneName, localPort: number): Promise<{ host: string; port: number }> {
    const host = await this.managementLink(zone);
    // Listens on the management link's root-side address, so only that zone reaches it.
    const proxy = new TcpProxy('127.0.0.1', localPort, host);
    this.proxies.push(proxy);
    return { host, port: await proxy.up() };
  }

  /** The root-side address of the zone's management link, made once (lab.sh mgmt is not atomic). */
  private managementLink(zone: ZoneName): Promise<string> {
    let link = this.mgmtLinks.get(zone);
    if (!link) {
      link = labScript(['mgmt', this.id, zone]).then((result) => {
        const host = result.stdout.trim().split(/\s+/)[0];
        if (result.code !== 0 || !host) {
          throw new Error(`lab.sh mgmt ${this.id} ${zone} failed (exit ${result.code}): ${result.stderr}`);
        }
        return host;
      });
      this.mgmtLinks.set(zone, link);
    }
    return link;
  }

  stop(): Promise<void> {
    this.stopping ??= this.teardown();
    return this.stopping;
  }

  private async teardown(): Promise<void> {
    await Promise.all([...this.children].map((child) => terminate(child)));
    await Promise.all(this.proxies.map((proxy) => proxy.down()));
    // Also kills what the tracked children left behind inside the namespaces.
    const down = await labScript(['down', this.id]);
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
    if (down.code !== 0) throw new Error(`lab.sh down ${this.id} failed (exit ${down.code}): ${down.stderr}`);
  }

  /** Starts LAB_SERVICES and returns once every port accepts connections. */
  async startServices(): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), `dw-lab-${this.id}-`));
    this.tempDir = dir;
    const cde = this.zones.cde.hostAddress;
    const dmz = this.zones.dmz.hostAddress;
    await Promise.all([
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'ssh_host_ed25519_key')]).then(
        assertSucceeded('ssh-keygen'),
      ),
      run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '30',
        '-subj',
        '/CN=cde.driftwatch-lab.test',
        '-keyout',
        path.join(dir, 'tls-key.pem'),
        '-out',
        path.join(dir, 'tls-cert.pem'),
      ]).then(assertSucceeded('openssl req')),
      writeFile(
        path.join(dir, 'sshd_config'),
        [
          `Port ${LAB_SERVICES.cde.ssh}`,
          `ListenAddress ${cde}`,
          `HostKey ${path.join(dir, 'ssh_host_ed25519_key')}`,
          `PidFile ${path.join(dir, 'sshd.pid')}`,
          'UsePAM no',
          'PasswordAuthentication yes',
          'KbdInteractiveAuthentication no',
          'PermitRootLogin no',
          '',
        ].join('\n'),
      ),
      mkdir(path.join(dir, 'www')).then(() =>
        writeFile(path.join(dir, 'www', 'index.html'), '<html><body>driftwatch lab dmz</body></html>\n'),
      ),
      mkdir('/run/sshd', { recursive: true }), // sshd's privilege separation directory
    ]);

    const ssh = this.spawn('cde', '/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')]);
    const tls = this.spawn('cde', process.execPath, [
      ZONE_SERVICE_JS,
      'tls',
      cde,
      String(LAB_SERVICES.cde.tls),
      path.join(dir, 'tls-cert.pem'),
      path.join(dir, 'tls-key.pem'),
    ]);
    const telnet = this.spawn('cde', process.execPath, [
      ZONE_SERVICE_JS,
      'banner',
      cde,
      String(LAB_SERVICES.cde.telnet),
    ]);
    const http = this.spawn('dmz', 'python3', [
      '-m',
      'http.server',
      '--bind',
      dmz,
      '--directory',
      path.join(dir, 'www'),
      String(LAB_SERVICES.dmz.http),
    ]);
    await Promise.all([
      this.waitListening('cde', LAB_SERVICES.cde.ssh, ssh, 'sshd'),
      this.waitListening('cde', LAB_SERVICES.cde.tls, tls, 'TLS server'),
      this.waitListening('cde', LAB_SERVICES.cde.telnet, telnet, 'telnet-like listener'),
      this.waitListening('dmz', LAB_SERVICES.dmz.http, http, 'python3 http.server'),
    ]);
  }

  /** Polls the zone's listening sockets (ss), failing at once if the service exited. */
  private async waitListening(
    zone: ZoneName,
    port: number,
    child: ChildProcess,
    what: string,
  ): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${what} in ${zone} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}: ` +
            (outputTails.get(child) ?? ''),
        );
      }
      const ss = await this.exec(zone, ['ss', '-Hltn', 'sport', '=', `:${port}`]);
      if (ss.code === 0 && ss.stdout.trim() !== '') return;
      if (Date.now() > deadline) {
        throw new Error(`${what} in ${zone} not listening on ${port} after 15 s: ${outputTails.get(child)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function assertSucceeded(what: string): (result: ExecResult) => void {
  return (result) => {
    if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}): ${result.stderr}`);
  };
}

/**
 * Builds a lab with a fresh random ID and (by default) its services. If anything fails half-way,
 * what was made is removed before the error is thrown.
 */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  assertLabPrerequisites();
  let lab: NetworkLab | undefined;
  for (let attempt = 1; !lab; attempt++) {
    const candidate = new NetworkLab(randomBytes(3).toString('hex'));
    const up = await labScript(['up', candidate.id]);
    if (up.code === 0) {
      lab = candidate;
    } else if (up.code === EXIT_TAKEN && attempt < 5) {
      continue; // ID or management block in use by another lab; lab.sh made nothing
    } else {
      // lab.sh removes a half-built lab itself; down again in case it was killed before that.
      if (up.code !== EXIT_TAKEN) await candidate.stop().catch(() => undefined);
      throw new Error(`lab.sh up ${candidate.id} failed (exit ${up.code}): ${up.stderr.trim()}`);
    }
  }
  if (options.services ?? true) {
    try {
      await lab.startServices();
    } catch (error: unknown) {
      await lab.stop().catch(() => undefined);
      throw error;
    }
  }
  return lab;
}

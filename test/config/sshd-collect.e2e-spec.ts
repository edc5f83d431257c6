import Ajv from 'ajv';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  diffSettings,
  loginDefsHandler,
  parseLoginDefs,
  parseSshdConfig,
  sshdConfigHandler,
} from '@driftwatch/config-state/settings';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const LOGIN_DEFS = '/etc/login.defs';

/** Fails, never skips, when the machine lacks a tool the test needs. */
async function requireExecutable(path: string, debianPackage: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch (error) {
    throw new Error(
      `${path} is missing: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`,
      {
        cause: error,
      },
    );
  }
}

function sshdConfig(passwordAuthentication: 'yes' | 'no'): string {
  return [
    '# written by sshd-collect.e2e-spec.ts',
    'Port 2222',
    'PermitRootLogin yes',
    `PasswordAuthentication ${passwordAuthentication}`,
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'Ciphers aes128-ctr,aes256-ctr,aes128-cbc',
    'MaxAuthTries 4',
    '',
    'Match User backup',
    '    PasswordAuthentication no',
    '    PermitRootLogin no',
    '',
  ].join('\n');
}

describe('sshd -T output collected from the real OpenSSH server', () => {
  let dir: string;
  let config: string;
  let hostKey: string;

  /** `sshd -T` for a connection of `user`: -C makes sshd apply the Match blocks that fit it. */
  async function effectiveConfig(user: string): Promise<string> {
    const { stdout } = await run(SSHD, [
      '-T',
      '-f',
      config,
      '-h',
      hostKey,
      '-C',
      `user=${user},host=client.example,addr=192.0.2.10`,
    ]);
    return stdout;
  }

  beforeAll(async () => {
    await requireExecutable(SSHD, 'openssh-server');
    await requireExecutable(SSH_KEYGEN, 'openssh-client');
    // sshd insists on its privilege separation directory even to print its configuration; the
    // openssh-server service creates it at boot, a container may not have it.
    await mkdir('/run/sshd', { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-sshd-'));
    config = join(dir, 'sshd_config');
    hostKey = join(dir, 'ssh_host_ed25519_key');
    await run(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'driftwatch-test', '-f', hostKey]);
    await writeFile(config, sshdConfig('yes'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('parses the effective configuration into the facts the rules read', async () => {
    const facts = sshdConfigHandler.parse(await effectiveConfig('alice'));
    expect(facts).toMatchObject({
      permitRootLogin: 'yes',
      passwordAuthentication: true,
      kbdInteractiveAuthentication: false,
      usePam: false,
      ports: [2222],
      maxAuthTries: 4,
      ciphers: ['aes128-ctr', 'aes256-ctr', 'aes128-cbc'],
      authenticationMethods: [],
      matchBlocks: [],
    });
    expect(facts.settings.hostkey).toEqual([hostKey]);
    expect(facts.macs?.length).toBeGreaterThan(0);
    expect(facts.kexAlgorithms?.length).toBeGreaterThan(0);
    expect(facts.hostKeyAlgorithms).toContain('ssh-ed25519');
    const validate = new Ajv({ allErrors: true, strict: true }).compile(sshdConfigHandler.factsSchema);
    expect(validate(facts) ? [] : validate.errors).toEqual([]);
  });

  it('shows the Match block in force for the connection named with -C', async () => {
    expect(parseSshdConfig(await effectiveConfig('backup'))).toMatchObject({
      permitRootLogin: 'no',
      passwordAuthentication: false,
    });
  });

  it('reads the same file as written, with its Match block kept apart', async () => {
    const facts = parseSshdConfig(await readFile(config, 'utf8'));
    expect(facts).toMatchObject({ permitRootLogin: 'yes', passwordAuthentication: true });
    expect(facts.matchBlocks).toEqual([
      {
        criteria: 'User backup',
        settings: { passwordauthentication: 'no', permitrootlogin: 'no' },
        // What the block puts in force over the global section.
        effective: {
          permitRootLogin: 'no',
          passwordAuthentication: false,
          kbdInteractiveAuthentication: false,
          maxAuthTries: 4,
        },
      },
    ]);
  });

  // Each alias against the option it names, in both orders: what sshd prints for the file is
  // what the file is read as (a Match block included).
  it('reads aliases as the real sshd does: the first line of an alias and its option wins', async () => {
    // sshd refuses DSAAuthentication inside a Match block: that pair is checked globally only.
    const pairs: [alias: string, option: string, values: [string, string], inMatch: boolean][] = [
      ['ChallengeResponseAuthentication', 'KbdInteractiveAuthentication', ['yes', 'no'], true],
      ['SkeyAuthentication', 'KbdInteractiveAuthentication', ['no', 'yes'], true],
      ['DSAAuthentication', 'PubkeyAuthentication', ['no', 'yes'], false],
      ['PubkeyAcceptedKeyTypes', 'PubkeyAcceptedAlgorithms', ['ssh-ed25519', 'rsa-sha2-512'], true],
      ['HostbasedAcceptedKeyTypes', 'HostbasedAcceptedAlgorithms', ['ssh-ed25519', 'rsa-sha2-512'], true],
    ];
    const file = join(dir, 'aliases_config');
    for (const [alias, option, [first, second], inMatch] of pairs) {
      for (const lines of [
        [`${alias} ${first}`, `${option} ${second}`],
        [`${option} ${first}`, `${alias} ${second}`],
      ]) {
        const block = inMatch ? ['Match User backup', `  ${lines[1]}`] : [];
        await writeFile(file, [...lines, ...block, ''].join('\n'));
        const key = option.toLowerCase();
        const printed = async (user: string) => {
          const { stdout } = await run(SSHD, [
            '-T',
            '-f',
            file,
            '-h',
            hostKey,
            '-C',
            `user=${user},addr=192.0.2.10`,
          ]);
          return parseSshdConfig(stdout).settings[key];
        };
        const read = parseSshdConfig(await readFile(file, 'utf8'));
        expect({ lines, value: read.settings[key] }).toEqual({ lines, value: await printed('alice') });
        if (!inMatch) continue;
        // In the block, the block's own line: a Match block's first value wins over the global one.
        const inBlock = read.matchBlocks[0]?.settings[key];
        expect({ lines, value: inBlock }).toEqual({ lines, value: await printed('backup') });
      }
    }
  });

  it('names exactly the changed setting after PasswordAuthentication is turned off', async () => {
    const before = parseSshdConfig(await effectiveConfig('alice'));
    await writeFile(config, sshdConfig('no'));
    const after = parseSshdConfig(await effectiveConfig('alice'));

    const changes = diffSettings(before.settings, after.settings);
    expect(changes).toEqual([
      {
        type: 'setting-changed',
        path: 'passwordauthentication',
        from: 'yes',
        to: 'no',
        description: 'passwordauthentication changed from yes to no',
      },
    ]);
    expect(sshdConfigHandler.diff(before, after)).toEqual(changes);
    expect(after.passwordAuthentication).toBe(false);
  });

  it("parses this Debian machine's own /etc/login.defs", async () => {
    let content: string;
    try {
      content = await readFile(LOGIN_DEFS, 'utf8');
    } catch (error) {
      throw new Error(`${LOGIN_DEFS} is missing: install the Debian package login`, { cause: error });
    }
    const facts = parseLoginDefs(content);
    expect(Object.keys(facts.settings).length).toBeGreaterThan(10);
    expect(facts).toMatchObject({
      passMaxDays: expect.any(Number),
      passMinDays: expect.any(Number),
      passWarnAge: expect.any(Number),
      umask: expect.stringMatching(/^[0-7]+$/),
      encryptMethod: expect.any(String),
    });
    const validate = new Ajv({ allErrors: true, strict: true }).compile(loginDefsHandler.factsSchema);
    expect(validate(facts) ? [] : validate.errors).toEqual([]);
  });
});

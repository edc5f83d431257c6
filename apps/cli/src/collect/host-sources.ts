import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

import type { ConfigKind } from '@driftwatch/config-state';

import { CliUsageError } from '@driftwatch/cli/cli-error';
import { utf8Document } from '@driftwatch/cli/text-file';

/** How `collect --from-host` gathers a kind on this host: a command (argument array) or files. */
type HostSource =
  { command: readonly string[]; hint: string } | { files: readonly (readonly string[])[]; hint: string };

// Each list of files holds alternatives (Debian path first). A kind read from several files gets
// them concatenated, each after a "# file: PATH" comment that says where its lines came from.
export const HOST_SOURCES: Readonly<Partial<Record<ConfigKind, HostSource>>> = {
  'iptables-save': {
    command: ['iptables-save'],
    hint: 'needs root (CAP_NET_ADMIN); Debian package iptables',
  },
  'nft-ruleset': { command: ['nft', '-j', 'list', 'ruleset'], hint: 'needs root; Debian package nftables' },
  'sshd-config': { command: ['sshd', '-T'], hint: 'needs root; Debian package openssh-server' },
  'login-defs': { files: [['/etc/login.defs']], hint: 'Debian package login' },
  'pam-pwquality': {
    files: [['/etc/security/pwquality.conf'], ['/etc/pam.d/common-password', '/etc/pam.d/system-auth']],
    hint: 'Debian package libpam-pwquality',
  },
  chrony: { files: [['/etc/chrony/chrony.conf', '/etc/chrony.conf']], hint: 'Debian package chrony' },
  ntp: { files: [['/etc/ntpsec/ntp.conf', '/etc/ntp.conf']], hint: 'Debian package ntpsec' },
  auditd: { files: [['/etc/audit/auditd.conf']], hint: 'Debian package auditd' },
  rsyslog: { files: [['/etc/rsyslog.conf']], hint: 'Debian package rsyslog' },
};

const COMMAND_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
// Root's tools live in sbin, which a cron job's PATH may lack.
const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Gathers a document of `kind` on this host, as the documented command or files produce it. */
export async function collectFromHost(kind: ConfigKind): Promise<string> {
  const source = HOST_SOURCES[kind];
  if (!source) throw new CliUsageError(`collect: --from-host does not apply to kind ${kind}; use --file`);
  if ('command' in source) return runCommand(source.command, source.hint);
  const parts: string[] = [];
  for (const alternatives of source.files) {
    for (const file of alternatives) {
      const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw new CliUsageError(`collect: cannot read ${file}: ${error.message}`);
      });
      if (bytes === undefined) continue;
      const text = utf8Document(bytes, file, 'collect');
      const body = text.endsWith('\n') || text === '' ? text : `${text}\n`;
      parts.push(source.files.length > 1 ? `# file: ${file}\n${body}` : body);
      break;
    }
  }
  if (parts.length === 0) {
    const tried = source.files.flat().join(', ');
    throw new CliUsageError(
      `collect: no ${kind} configuration on this host (looked for ${tried}; ${source.hint})`,
    );
  }
  return parts.join('');
}

function runCommand(command: readonly string[], hint: string): Promise<string> {
  const [file = '', ...args] = command;
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout: COMMAND_TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: 'utf8',
        env: { PATH: SBIN_PATH, LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        if (error) {
          const reason =
            (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : stderr.trim() || error.message;
          reject(new CliUsageError(`collect: \`${command.join(' ')}\` failed: ${reason} (${hint})`));
          return;
        }
        resolve(stdout);
      },
    );
  });
}

import type { ExtraPorts, HttpFacts, SshFacts, TlsFacts } from '@driftwatch/core';

import type {
  AddressRef,
  Change,
  HostSummary,
  ListedPort,
  ScriptOutput,
  ServiceFields,
} from './change.model';
import { changedLines } from './script-output';

/**
 * One line per change, marked like ndiff's text output: `+` appeared/added, `-` removed,
 * `~` changed. Multi-line script output is shown as one quoted, shortened line; for a changed
 * one, only the lines that differ between the two sides.
 */
export function formatChangesText(changes: readonly Change[]): string {
  return changes.map(formatChange).join('\n');
}

/** The JSON form: `{"changes":[...]}`, each change `{type, address, port?, protocol?, before?, after?}`. */
export function formatChangesJson(changes: readonly Change[]): string {
  return JSON.stringify({ changes }, null, 2);
}

export function formatChange(change: Change): string {
  const host = change.address;
  switch (change.type) {
    case 'host-appeared':
      return `+ ${host} ${hostLine(change.after)}`;
    case 'host-removed':
      return `- ${host} ${hostLine(change.before)}`;
    case 'host-status-changed':
      return `~ ${host} host ${change.before.status} -> ${change.after.status}`;
    case 'host-address-changed':
      return `~ ${host} addresses ${addresses(change.before.addresses)} -> ${addresses(change.after.addresses)}`;
    case 'hostname-changed':
      return `~ ${host} hostnames ${list(change.before.hostnames)} -> ${list(change.after.hostnames)}`;
    case 'os-changed':
      return `~ ${host} os ${list(change.before.os, '; ')} -> ${list(change.after.os, '; ')}`;
    case 'host-extraports-changed':
      return `~ ${host} not shown ${extra(change.before.extraPorts)} -> ${extra(change.after.extraPorts)}`;
    case 'host-script-changed':
      return script(`${host} host`, change.before, change.after);
    case 'port-added':
      return `+ ${host} ${spec(change)} ${port(change.after)}${change.before ? ` (was ${change.before.state})` : ''}`;
    case 'port-removed':
      return `- ${host} ${spec(change)} ${port(change.before)}${change.after ? ` (now ${change.after.state})` : ''}`;
    case 'port-state-changed':
      return `~ ${host} ${spec(change)} ${change.before.state} -> ${change.after.state}`;
    case 'service-changed': {
      const [before, after] = services(change.before, change.after);
      return `~ ${host} ${spec(change)} service ${before} -> ${after}`;
    }
    case 'port-script-changed':
      return script(`${host} ${spec(change)}`, change.before, change.after);
    case 'port-tls-changed':
      return `~ ${host} ${spec(change)} tls ${facts(change.before, tlsLine)} -> ${facts(change.after, tlsLine)}`;
    case 'port-ssh-changed':
      return `~ ${host} ${spec(change)} ssh ${facts(change.before, sshLine)} -> ${facts(change.after, sshLine)}`;
    case 'port-http-changed':
      return `~ ${host} ${spec(change)} http ${facts(change.before, httpLine)} -> ${facts(change.after, httpLine)}`;
  }
}

function facts<T>(value: T | undefined, line: (v: T) => string): string {
  return value === undefined ? '(none)' : line(value);
}

function tlsLine(tls: TlsFacts): string {
  const grade = tls.leastGrade ? ` least grade ${tls.leastGrade}` : '';
  const cert = tls.certificate?.notAfter ? ` cert until ${tls.certificate.notAfter}` : '';
  return `${list(tls.versions, ',')}${grade}, ${tls.ciphers.length} ciphers${cert}`;
}

function sshLine(ssh: SshFacts): string {
  const auth = ssh.authMethods ? ` auth ${list(ssh.authMethods, ',')}` : '';
  return `kex ${ssh.kexAlgorithms.length}, ciphers ${list(ssh.encryptionAlgorithms, ',')}, macs ${ssh.macAlgorithms.length}${auth}`;
}

function httpLine(http: HttpFacts): string {
  const hsts = http.hsts ? `hsts max-age=${http.hsts.maxAgeSeconds ?? '?'}` : 'no hsts';
  return `server ${http.server ?? '-'}, ${hsts}`;
}

function spec(change: { protocol: string; port: number }): string {
  return `${change.protocol}/${change.port}`;
}

function hostLine(host: HostSummary): string {
  const names = host.hostnames.length > 0 ? ` (${host.hostnames.join(', ')})` : '';
  const ports = host.ports.map((p) => `${spec(p)} ${port(p)}`).join(', ');
  return `host ${host.status}${names}${ports ? `: ${ports}` : ''}`;
}

function port(p: ListedPort): string {
  const service = p.service ? serviceString(p.service) : '';
  return service ? `${p.state} ${service}` : p.state;
}

/** ndiff's SERVICE and VERSION columns: `ssl/http Apache httpd 2.4 (Debian)`. */
function serviceString(s: ServiceFields): string {
  return [nameString(s), versionString(s)].filter(Boolean).join(' ');
}

function nameString(s: ServiceFields): string {
  return [s.tunnel, s.name].filter((x) => x !== undefined && x !== '').join('/');
}

function versionString(s: ServiceFields): string {
  const extraInfo = s.extraInfo !== undefined && s.extraInfo !== '' ? `(${s.extraInfo})` : undefined;
  return [s.product, s.version, extraInfo].filter((x) => x !== undefined && x !== '').join(' ');
}

/** Both sides of a service change; the name is left out when only the version part differs. */
function services(a: ServiceFields, b: ServiceFields): [string, string] {
  const sameName = nameString(a) === nameString(b);
  const va = versionString(a);
  const vb = versionString(b);
  if (sameName && va && vb) return [va, vb];
  return [serviceString(a) || '(none)', serviceString(b) || '(none)'];
}

function script(where: string, before?: ScriptOutput, after?: ScriptOutput): string {
  const id = before?.id ?? after?.id ?? '';
  if (!before) return `+ ${where} script ${id} ${quote(after?.output ?? '')}`;
  if (!after) return `- ${where} script ${id} ${quote(before.output)}`;
  if (isMultiLine(before.output) || isMultiLine(after.output)) {
    // A long output's first characters are mostly the same on both sides: show the lines that differ.
    const { removed, added } = changedLines(id, before.output, after.output);
    if (removed.length > 0 || added.length > 0)
      return `~ ${where} script ${id} ${quote(removed.join('\n'))} -> ${quote(added.join('\n'))}`;
  }
  return `~ ${where} script ${id} ${quote(before.output)} -> ${quote(after.output)}`;
}

function isMultiLine(output: string): boolean {
  return output.trim().includes('\n');
}

const MAX_SCRIPT_TEXT = 60;

function quote(output: string): string {
  const text = output.trim();
  return JSON.stringify(text.length > MAX_SCRIPT_TEXT ? `${text.slice(0, MAX_SCRIPT_TEXT)}…` : text);
}

function addresses(refs: AddressRef[]): string {
  return list(refs.map((r) => (r.type === 'mac' ? `${r.addr} (mac)` : r.addr)));
}

function extra(e: ExtraPorts[]): string {
  return list(e.map((x) => `${x.count} ${x.state}`));
}

function list(items: string[], separator = ', '): string {
  return items.length > 0 ? items.join(separator) : '(none)';
}

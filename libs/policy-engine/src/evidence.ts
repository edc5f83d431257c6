import type { ErrorObject } from 'ajv';
import type { HostObservation, PortObservation, ScriptResult } from '@driftwatch/core';
import type { Subject } from './policy.model';
import { ownValueAt } from './render-message';

const MAX_VALUE_CHARS = 2000;
const MAX_FRAGMENT_CHARS = 8000;
// Scripts a subject kind's facts are read from: the fragment shows only these.
const SCRIPTS_OF: Partial<Record<Subject['kind'], readonly string[]>> = {
  tls: ['ssl-enum-ciphers', 'ssl-cert'],
  ssh: ['ssh2-enum-algos', 'ssh-auth-methods'],
  http: ['http-headers'],
};

export interface FailingFact {
  /** JSON pointer into the subject, e.g. "/tls/versions". */
  pointer: string;
  value: unknown;
  reason: string;
}

/** Evidence of a condition rule failing for a subject. */
export function conditionEvidence(
  subject: Subject,
  errors: readonly ErrorObject[] | null | undefined,
): Record<string, unknown> {
  const facts: FailingFact[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    // "" is the subject as a whole (expect: false): the summary already shows what it is.
    if (error.instancePath === '' || seen.has(error.instancePath)) continue;
    seen.add(error.instancePath);
    facts.push({
      pointer: error.instancePath,
      value: clip(valueAt(subject, error.instancePath)),
      reason: error.message ?? 'does not hold',
    });
  }
  return withoutUndefined({
    ...subjectSummary(subject),
    facts,
    nmap: nmapFragment(subject),
  });
}

/** Identifying facts of the subject: address, port and service, change or document. */
export function subjectSummary(subject: Subject): Record<string, unknown> {
  const { port } = subject;
  const service = port?.service;
  return withoutUndefined({
    address: subject.address,
    protocol: port?.protocol,
    port: port?.port,
    state: port?.state,
    reason: port?.reason,
    service: service
      ? withoutUndefined({
          name: service.name,
          product: service.product,
          version: service.version,
          extraInfo: service.extraInfo,
          tunnel: service.tunnel,
        })
      : undefined,
    zone: subject.zone?.name,
    change: subject.change,
    document: subject.document
      ? withoutUndefined({
          kind: subject.document.kind,
          schema: subject.document.schema,
          collectedAt: subject.document.collectedAt,
        })
      : undefined,
  });
}

/** The nmap XML the subject's facts come from, rebuilt from the observation (nmap's element names). */
export function nmapFragment(subject: Subject): string | undefined {
  if (subject.port) return clipText(portXml(subject.port, SCRIPTS_OF[subject.kind]));
  if (subject.host && subject.kind === 'host') return clipText(hostXml(subject.host));
  return undefined;
}

export function portXml(port: PortObservation, scriptIds?: readonly string[]): string {
  const s = port.service;
  const service = s
    ? `<service${attrs({ name: s.name, product: s.product, version: s.version, extrainfo: s.extraInfo, tunnel: s.tunnel, method: s.method, conf: s.confidence })}/>`
    : '';
  const scripts = port.scripts
    .filter((script) => !scriptIds || scriptIds.includes(script.id))
    .map(scriptXml)
    .join('');
  return `<port${attrs({ protocol: port.protocol, portid: port.port })}><state${attrs({ state: port.state, reason: port.reason })}/>${service}${scripts}</port>`;
}

function hostXml(host: HostObservation): string {
  const addresses = host.addresses
    .map((a) => `<address${attrs({ addr: a.addr, addrtype: a.type, vendor: a.vendor })}/>`)
    .join('');
  const names = host.hostnames.map((h) => `<hostname${attrs({ name: h.name, type: h.type })}/>`).join('');
  const os = host.os.map((o) => `<osmatch${attrs({ name: o.name, accuracy: o.accuracy })}/>`).join('');
  return `<host><status${attrs({ state: host.status, reason: host.statusReason })}/>${addresses}${names ? `<hostnames>${names}</hostnames>` : ''}${os ? `<os>${os}</os>` : ''}</host>`;
}

function scriptXml(script: ScriptResult): string {
  return `<script${attrs({ id: script.id, output: script.output })}/>`;
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"\n\r\t]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function valueAt(root: unknown, pointer: string): unknown {
  // The whole host is too much to repeat as a fact value; its pointer says where to look.
  if (pointer === '' || pointer === '/host') return undefined;
  const keys = pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  return ownValueAt(root, keys);
}

function clip(value: unknown): unknown {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text.length <= MAX_VALUE_CHARS ? value : `${text.slice(0, MAX_VALUE_CHARS)}…`;
}

function clipText(text: string): string {
  return text.length <= MAX_FRAGMENT_CHARS ? text : `${text.slice(0, MAX_FRAGMENT_CHARS)}…`;
}

export function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

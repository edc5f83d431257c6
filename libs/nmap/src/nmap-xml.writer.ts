import {
  DriftwatchError,
  type HostObservation,
  type NetworkObservation,
  type PortObservation,
  type ScanRunInfo,
  type ScriptElement,
  type ScriptResult,
  type ScriptTable,
  type ServiceInfo,
} from '@driftwatch/core';

export interface NmapXmlRenderOptions {
  /**
   * Written as an XML comment before <nmaprun>, e.g. that the document was rendered from a
   * stored snapshot. Dashes are spaced so the comment never contains `--`.
   */
  comment?: string;
}

/**
 * A NetworkObservation as an nmap XML document (-oX, xmloutputversion 1.05): the inverse of
 * parseNmapXml, so that `parseNmapXml(renderNmapXml(o))` gives back everything the model holds.
 * Pure: no I/O, no clock; the same observation always gives the same text.
 *
 * What is written is what the model holds. Derived facts (port.tls, port.ssh, port.http) are not
 * written: they are recomputed from the script output they were derived from. Elements the model
 * does not keep (<scaninfo>, <verbose>, <times>, <trace>, reason_ttl, osclass...) are not invented.
 * The human-readable startstr/timestr are the times in UTC (nmap writes local time); nmap writes
 * times in whole seconds, so fractions of a second are dropped.
 *
 * Escaping: `& < > "` as entities everywhere they are special; tab, newline and carriage return in
 * attribute values, and carriage return in text, as character references, so that any conforming
 * XML parser (which normalizes literal ones to spaces or newlines) reads the exact value back.
 * Characters XML 1.0 does not allow at all (C0 controls other than tab/LF/CR, lone surrogates,
 * U+FFFE, U+FFFF) can be neither written nor referenced (the parser refuses `&#1;`, as XML
 * requires), so each is replaced by U+FFFD, the replacement character: the document stays
 * well-formed and the loss stays visible.
 */
export function renderNmapXml(observation: NetworkObservation, options: NmapXmlRenderOptions = {}): string {
  return [...nmapXmlParts(observation, options)].join('');
}

/**
 * renderNmapXml's text in parts whose concatenation is that text: the prologue and <nmaprun>, one
 * part per host, then <runstats> and the end. A large snapshot can then be written without its
 * whole document as one string, and its writer can yield between hosts.
 */
export function* nmapXmlParts(
  observation: NetworkObservation,
  options: NmapXmlRenderOptions = {},
): Generator<string, void, undefined> {
  const head: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'];
  if (options.comment !== undefined) head.push(`<!-- ${commentText(options.comment)} -->\n`);
  const { run } = observation;
  const started = epochSeconds(run.startedAt);
  head.push(
    `<nmaprun${attributes([
      ['scanner', 'nmap'],
      ['args', run.args],
      ['start', started],
      ['startstr', started === undefined ? undefined : ctime(started)],
      ['version', run.version],
      ['xmloutputversion', '1.05'],
    ])}>\n`,
  );
  yield head.join('');
  for (const [i, host] of observation.hosts.entries()) {
    const out: string[] = [];
    renderHost(out, host, `hosts[${i}]`);
    yield out.join('');
  }
  const tail: string[] = [];
  renderRunStats(tail, run, started);
  tail.push('</nmaprun>\n');
  yield tail.join('');
}

type AttributeValue = string | number | undefined;

function renderHost(out: string[], host: HostObservation, field: string): void {
  out.push(
    `<host${attributes([
      ['starttime', epochSeconds(host.startTime)],
      ['endtime', epochSeconds(host.endTime)],
    ])}>`,
  );
  out.push(
    `<status${attributes([
      ['state', host.status],
      ['reason', host.statusReason],
    ])}/>\n`,
  );
  for (const address of host.addresses) {
    out.push(
      `<address${attributes([
        ['addr', address.addr],
        ['addrtype', address.type],
        ['vendor', address.vendor],
      ])}/>\n`,
    );
  }
  if (host.hostnames.length === 0) out.push('<hostnames/>\n');
  else {
    out.push('<hostnames>\n');
    for (const hostname of host.hostnames) {
      out.push(
        `<hostname${attributes([
          ['name', hostname.name],
          ['type', hostname.type],
        ])}/>\n`,
      );
    }
    out.push('</hostnames>\n');
  }
  if (host.ports.length > 0 || host.extraPorts.length > 0) {
    out.push('<ports>');
    host.extraPorts.forEach((extra, i) => {
      const count = integer(extra.count, `${field}.extraPorts[${i}].count`);
      out.push(
        `<extraports${attributes([
          ['state', extra.state],
          ['count', count],
        ])}/>\n`,
      );
    });
    host.ports.forEach((port, i) => renderPort(out, port, `${field}.ports[${i}]`));
    out.push('</ports>\n');
  }
  if (host.os.length > 0) {
    out.push('<os>');
    host.os.forEach((match, i) => {
      const accuracy = integer(match.accuracy, `${field}.os[${i}].accuracy`);
      out.push(
        `<osmatch${attributes([
          ['name', match.name],
          ['accuracy', accuracy],
        ])}/>\n`,
      );
    });
    out.push('</os>\n');
  }
  if (host.scripts.length > 0) {
    out.push('<hostscript>');
    for (const script of host.scripts) renderScript(out, script);
    out.push('</hostscript>\n');
  }
  out.push('</host>\n');
}

/** Derived facts (tls, ssh, http) are deliberately not read here: see renderNmapXml. */
function renderPort(out: string[], port: PortObservation, field: string): void {
  const portid = integer(port.port, `${field}.port`, 65535);
  out.push(
    `<port${attributes([
      ['protocol', port.protocol],
      ['portid', portid],
    ])}>`,
  );
  out.push(
    `<state${attributes([
      ['state', port.state],
      ['reason', port.reason],
    ])}/>`,
  );
  if (port.service) renderService(out, port.service, `${field}.service`);
  for (const script of port.scripts) renderScript(out, script);
  out.push('</port>\n');
}

function renderService(out: string[], service: ServiceInfo, field: string): void {
  const conf =
    service.confidence === undefined ? undefined : integer(service.confidence, `${field}.confidence`);
  const start = `<service${attributes([
    ['name', service.name],
    ['product', service.product],
    ['version', service.version],
    ['extrainfo', service.extraInfo],
    ['hostname', service.hostname],
    ['ostype', service.osType],
    ['devicetype', service.deviceType],
    ['tunnel', service.tunnel],
    ['method', service.method],
    ['conf', conf],
  ])}`;
  if (service.cpe.length === 0) {
    out.push(`${start}/>`);
    return;
  }
  out.push(`${start}>`);
  for (const cpe of service.cpe) out.push(`<cpe>${text(cpe)}</cpe>`);
  out.push('</service>');
}

function renderScript(out: string[], script: ScriptResult): void {
  const start = `<script${attributes([
    ['id', script.id],
    ['output', script.output],
  ])}`;
  if (script.elems.length === 0 && script.tables.length === 0) {
    out.push(`${start}/>`);
    return;
  }
  out.push(`${start}>`);
  renderStructure(out, script.elems, script.tables);
  out.push('</script>');
}

/** NSE structured output. The model keeps elems and tables apart, so elems are written first. */
function renderStructure(
  out: string[],
  elems: readonly ScriptElement[],
  tables: readonly ScriptTable[],
): void {
  for (const elem of elems) out.push(`<elem${attributes([['key', elem.key]])}>${text(elem.value)}</elem>`);
  for (const table of tables) {
    if (table.elems.length === 0 && table.tables.length === 0) {
      out.push(`<table${attributes([['key', table.key]])}/>`);
      continue;
    }
    out.push(`<table${attributes([['key', table.key]])}>`);
    renderStructure(out, table.elems, table.tables);
    out.push('</table>');
  }
}

function renderRunStats(out: string[], run: ScanRunInfo, started: number | undefined): void {
  const finished = epochSeconds(run.finishedAt);
  const elapsed =
    finished !== undefined && started !== undefined && finished >= started
      ? (finished - started).toFixed(2)
      : undefined;
  out.push(
    `<runstats><finished${attributes([
      ['time', finished],
      ['timestr', finished === undefined ? undefined : ctime(finished)],
      ['summary', run.summary],
      ['elapsed', elapsed],
      ['exit', run.exit],
      ['errormsg', run.errorMessage],
    ])}/>`,
  );
  out.push(
    `<hosts${attributes([
      ['up', integer(run.hostsUp, 'run.hostsUp')],
      ['down', integer(run.hostsDown, 'run.hostsDown')],
      ['total', integer(run.hostsTotal, 'run.hostsTotal')],
    ])}/>\n</runstats>\n`,
  );
}

/** ` name="value"` for each attribute with a value; undefined ones are left out. */
function attributes(pairs: readonly (readonly [string, AttributeValue])[]): string {
  let s = '';
  for (const [name, value] of pairs) {
    if (value !== undefined) s += ` ${name}="${attribute(String(value))}"`;
  }
  return s;
}

// Characters XML 1.0 allows (its production Char); with /u a lone surrogate is one code point.
const NOT_XML_CHAR = '[^\\t\\n\\r\\u0020-\\uD7FF\\uE000-\\uFFFD\\u{10000}-\\u{10FFFF}]';
const ATTRIBUTE_SPECIAL = new RegExp(`[&<>"\\t\\n\\r]|${NOT_XML_CHAR}`, 'gu');
const TEXT_SPECIAL = new RegExp(`[&<>\\r]|${NOT_XML_CHAR}`, 'gu');
const NOT_XML = new RegExp(NOT_XML_CHAR, 'gu');
const REPLACEMENT = '\uFFFD';

const ESCAPES: Readonly<Record<string, string | undefined>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function escape(match: string): string {
  return ESCAPES[match] ?? REPLACEMENT;
}

function attribute(value: string): string {
  return value.replace(ATTRIBUTE_SPECIAL, escape);
}

function text(value: string): string {
  return value.replace(TEXT_SPECIAL, escape);
}

/** Comment text: no `--` (not allowed inside a comment) and only XML characters. */
function commentText(value: string): string {
  return value.replace(NOT_XML, REPLACEMENT).replace(/-(?=-)/g, '- ');
}

/** An ISO-8601 time as nmap's whole epoch seconds; undefined when absent, unreadable or before 1970. */
function epochSeconds(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms >= 0 ? Math.floor(ms / 1000) : undefined;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** nmap's startstr/timestr (C's ctime format), in UTC: `Tue Nov 14 22:13:20 2023`. */
function ctime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()] ?? ''} ${MONTHS[d.getUTCMonth()] ?? ''} ${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`
  );
}

// The parser reads counts as at most 10 decimal digits.
const MAX_COUNT = 9_999_999_999;

/** A count or port number the parser will read back, else a validation error naming the field. */
function integer(value: number, field: string, max = MAX_COUNT): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw DriftwatchError.validation([{ field, reason: `must be an integer from 0 to ${max}` }]);
  }
  return value;
}

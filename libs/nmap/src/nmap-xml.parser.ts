import { StringDecoder } from 'node:string_decoder';
import ipaddr from 'ipaddr.js';
import sax from 'sax';
import {
  DOCTYPE_REFUSAL,
  MAX_VALUE_CHARS,
  NmapXmlScanner,
  type NmapXmlAttributes,
  type NmapXmlEvents,
  type NmapXmlPosition,
} from './nmap-xml.scanner';
import {
  DriftwatchError,
  ErrorCode,
  PORT_STATES,
  PROTOCOLS,
  type HostAddress,
  type Hostname,
  type HostObservation,
  type HostStatus,
  type NetworkObservation,
  type PortObservation,
  type ScanRunInfo,
  type ScriptElement,
  type ScriptResult,
  type ScriptTable,
  type ServiceInfo,
} from '@driftwatch/core';

export interface NmapXmlLimits {
  /** Refuse input larger than this many bytes (default 256 MiB). */
  maxBytes?: number;
}

/** A target nmap reported as not scanned (<target status="skipped">), e.g. an unresolvable name. */
export interface NmapSkippedTarget {
  specification: string;
  reason?: string;
}

export interface NmapXmlParseResult {
  observation: NetworkObservation;
  skippedTargets: NmapSkippedTarget[];
}

/** The attributes of a <taskprogress> element (nmap's --stats-every report), as written: unchecked. */
export interface NmapTaskProgressAttributes {
  task?: string;
  percent?: string;
  remaining?: string;
  etc?: string;
  time?: string;
}

/**
 * Callbacks made while the document streams in, for progress reporting. They do not change the
 * parse, and whatever they throw is ignored: an observer can never fail or alter a parse.
 */
export interface NmapXmlObservers {
  /** A <taskprogress> element directly under <nmaprun>. */
  onTaskProgress?: (attributes: NmapTaskProgressAttributes) => void;
  /** A <host> element directly under <nmaprun> has ended (nmap writes hosts as groups finish). */
  onHostEnd?: () => void;
}

export interface NmapXmlCheckOption {
  /**
   * Check the document exactly as a parse does (the same refusals, at the same line and column)
   * but build no hosts: the result has none. For a caller that must know every host is valid but
   * needs the model of only some (`driftwatch diff`); much cheaper than a parse.
   */
  checkOnly?: boolean;
}

export const DEFAULT_MAX_NMAP_XML_BYTES = 256 * 1024 * 1024;
// Deep enough for any NSE table nesting nmap produces; bounds a hostile document's nesting.
const MAX_DEPTH = 256;
const HOST_STATUSES: readonly HostStatus[] = ['up', 'down', 'unknown', 'skipped'];
const MAX_SHARED_STRINGS = 100_000;

/**
 * Parse nmap's XML output (-oX) into a NetworkObservation, streaming: the input is fed chunk by
 * chunk to the purpose-built scanner (nmap-xml.scanner.ts) and only the model is kept in memory.
 */
export async function parseNmapXml(
  input: NodeJS.ReadableStream | string,
  limits?: NmapXmlLimits,
): Promise<NetworkObservation> {
  return (await parseNmapXmlDetailed(input, limits)).observation;
}

/**
 * parseNmapXml plus what nmap reported outside the host model (skipped targets), for the runner,
 * which may also observe progress elements as they arrive.
 */
export async function parseNmapXmlDetailed(
  input: NodeJS.ReadableStream | string,
  options: NmapXmlLimits & NmapXmlObservers & NmapXmlCheckOption = {},
): Promise<NmapXmlParseResult> {
  return parseWith(scannerEngine(options), input, options);
}

/**
 * The same parse driven by sax, the parser this library used before the scanner. It is kept only
 * as the reference the scanner is proven equal to (nmap-xml.scanner.spec.ts and the corpus suite);
 * production code calls parseNmapXml. See docs/decisions/0006-nmap-xml-scanner.md.
 */
export async function parseNmapXmlWithSax(
  input: NodeJS.ReadableStream | string,
  limits: NmapXmlLimits = {},
): Promise<NmapXmlParseResult> {
  return parseWith(new SaxEngine(), input, limits);
}

/** Text in, the model out; `refuse` locates an error at the engine's current position. */
interface ParseEngine {
  write(text: string): void;
  end(): NmapXmlParseResult;
  refuse(reason: string): DriftwatchError;
}

async function parseWith(
  engine: ParseEngine,
  input: NodeJS.ReadableStream | string,
  limits: NmapXmlLimits,
): Promise<NmapXmlParseResult> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_NMAP_XML_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw DriftwatchError.validation([{ field: 'maxBytes', reason: 'must be a positive integer' }]);
  }
  const tooBig = () => engine.refuse(`input exceeds the limit of ${maxBytes} bytes`);

  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > maxBytes) throw tooBig();
    engine.write(input);
    return engine.end();
  }

  const decoder = new ChunkDecoder();
  let bytes = 0;
  // for-await gives back-pressure; leaving the loop early (a throw) destroys the stream.
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    bytes += buffer.length;
    if (bytes > maxBytes) throw tooBig();
    engine.write(decoder.write(buffer));
  }
  engine.write(decoder.end());
  return engine.end();
}

function scannerEngine(options: NmapXmlObservers & NmapXmlCheckOption): ParseEngine {
  const builder: NmapXmlBuilder = new NmapXmlBuilder(
    () => scanner.position(),
    options,
    options.checkOnly === true,
  );
  const scanner: NmapXmlScanner = new NmapXmlScanner(builder);
  return {
    write: (text) => scanner.write(text),
    end: () => {
      const unfinished = scanner.end();
      builder.checkComplete();
      if (unfinished) throw builder.refuse('Unexpected end');
      return builder.result();
    },
    refuse: (reason) => {
      scanner.markEnd();
      return builder.refuse(reason);
    },
  };
}

/** sax events into the same builder. */
class SaxEngine implements ParseEngine {
  private readonly parser = sax.parser(true, { trim: false, normalize: false, position: true });
  private readonly builder = new NmapXmlBuilder(() => ({
    line: this.parser.line,
    column: this.parser.column,
  }));

  constructor() {
    const p = this.parser;
    const builder = this.builder;
    p.onerror = (error) => {
      throw builder.refuse(error.message.split('\n')[0] ?? 'malformed XML', error);
    };
    p.ondoctype = (doctype) => {
      // nmap itself writes `<!DOCTYPE nmaprun>`; anything more (an internal subset with
      // <!ENTITY>, or a SYSTEM/PUBLIC external id) could declare entities and is refused.
      if (doctype.trim() !== 'nmaprun') throw builder.refuse(DOCTYPE_REFUSAL);
    };
    p.onsgmldeclaration = (decl) => {
      throw builder.refuse(`refusing the markup declaration <!${decl.split(/\s/)[0] ?? ''}>`);
    };
    p.onopentag = (tag) => {
      const attributes = tag.attributes as Record<string, string>;
      for (const value of Object.values(attributes)) {
        if (value.length > MAX_VALUE_CHARS)
          throw builder.refuse(`Attribute value longer than ${MAX_VALUE_CHARS} characters`);
      }
      builder.open(tag.name, { get: (name) => attributes[name] });
    };
    p.onclosetag = (name) => builder.close(name);
    p.ontext = (text) => {
      if (builder.wantsText()) builder.text(text);
    };
    p.oncdata = (text) => {
      if (builder.wantsText()) builder.text(text);
    };
  }

  write(text: string): void {
    if (text.length > 0) this.parser.write(text);
  }

  end(): NmapXmlParseResult {
    this.builder.checkComplete();
    this.parser.close();
    return this.builder.result();
  }

  refuse(reason: string): DriftwatchError {
    return this.builder.refuse(reason);
  }
}

/** An error at a 1-based line and column; the details keep them for relocateNmapXmlError. */
function invalidAt(line: number, column: number, reason: string, cause?: unknown): DriftwatchError {
  return new DriftwatchError(
    ErrorCode.NmapOutputInvalid,
    `Invalid nmap XML at line ${line}, column ${column}: ${reason}`,
    { line, column, reason },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A parse error of a document cut from another (documentWithHosts), moved to its line and column
 * in the original; any other error as it is.
 */
export function relocateNmapXmlError(
  error: unknown,
  originalPosition: (line: number, column: number) => { line: number; column: number },
): unknown {
  if (!(error instanceof DriftwatchError) || error.code !== ErrorCode.NmapOutputInvalid) return error;
  const { line, column, reason } = error.details;
  if (typeof line !== 'number' || typeof column !== 'number' || typeof reason !== 'string') return error;
  const at = originalPosition(line, column);
  return invalidAt(at.line, at.column, reason, error.cause);
}

function invalid(message: string, cause?: unknown): DriftwatchError {
  return new DriftwatchError(
    ErrorCode.NmapOutputInvalid,
    message,
    {},
    cause === undefined ? undefined : { cause },
  );
}

/**
 * nmap XML bytes as the text the parser reads: in the encoding the XML declaration names (UTF-8
 * by default, iso-8859-1 for very old nmap and zenmap). For callers that must pass the document
 * on as a string (the CLI's dry-run candidate) and mean what an import of the bytes would read.
 */
export function decodeNmapXml(bytes: Buffer): string {
  const decoder = new ChunkDecoder();
  return decoder.write(bytes) + decoder.end();
}

/**
 * Bytes to text. nmap writes UTF-8; very old versions (and zenmap) declared iso-8859-1,
 * which is honoured so their bytes are not turned into replacement characters.
 */
class ChunkDecoder {
  private head: Buffer | null = Buffer.alloc(0);
  private decode: ((b: Buffer) => string) | null = null;
  private utf8 = new StringDecoder('utf8');

  write(buffer: Buffer): string {
    if (this.decode) return this.decode(buffer);
    const head = Buffer.concat([this.head ?? Buffer.alloc(0), buffer]);
    // Wait for the whole XML declaration (it is at most a few dozen bytes) before choosing.
    if (head.length < 512 && head.subarray(0, 5).toString('latin1') === '<?xml' && !head.includes('?>')) {
      this.head = head;
      return '';
    }
    this.head = null;
    this.decode = this.choose(head);
    return this.decode(head);
  }

  end(): string {
    if (!this.decode) {
      const head = this.head ?? Buffer.alloc(0);
      this.head = null;
      this.decode = this.choose(head);
      return this.decode(head) + this.utf8.end();
    }
    return this.utf8.end();
  }

  private choose(head: Buffer): (b: Buffer) => string {
    const declaration = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(
      head.subarray(0, 512).toString('latin1'),
    );
    const encoding = declaration?.[1]?.toLowerCase() ?? 'utf-8';
    if (['iso-8859-1', 'latin1', 'latin-1', 'us-ascii', 'ascii'].includes(encoding)) {
      return (b) => b.toString('latin1');
    }
    if (encoding === 'utf-8' || encoding === 'utf8') return (b) => this.utf8.write(b);
    throw invalid(`Invalid nmap XML: unsupported encoding "${declaration?.[1] ?? ''}" (nmap writes UTF-8)`);
  }
}

type Attributes = NmapXmlAttributes;

interface OpenElement {
  name: string;
  /** Text collected for elements whose content is data (<elem>, <cpe>). */
  text?: string[];
  /** Characters in `text`, held to MAX_VALUE_CHARS. */
  textLength?: number;
  key?: string;
}

/**
 * Turns element events (from the scanner, or from sax for the reference parse) into the model.
 * Elements are matched by name AND parent, so look-alikes elsewhere are ignored. With
 * `checkOnly` every check below still runs, in the same order; only what builds the model of a
 * host (its lists, services, scripts, interned strings) is skipped.
 */
class NmapXmlBuilder implements NmapXmlEvents {
  private readonly stack: OpenElement[] = [];
  private readonly run: ScanRunInfo = { scanner: 'nmap', hostsUp: 0, hostsDown: 0, hostsTotal: 0 };
  private readonly hosts: HostObservation[] = [];
  private readonly skippedTargets: NmapSkippedTarget[] = [];
  private sawRoot = false;
  private host: HostObservation | null = null;
  private port: PortObservation | null = null;
  private script: ScriptResult | null = null;
  private tables: ScriptTable[] = [];
  private portHasState = false;
  /** One copy of each repeated value (states, reasons, products, versions, cpe): most of a scan. */
  private readonly strings = new Map<string, string>();

  constructor(
    private readonly locate: () => NmapXmlPosition,
    private readonly observers: NmapXmlObservers = {},
    private readonly checkOnly = false,
  ) {}

  wantsText(): boolean {
    return this.stack[this.stack.length - 1]?.text !== undefined;
  }

  text(text: string): void {
    const element = this.stack[this.stack.length - 1];
    if (!element?.text) return;
    element.textLength = (element.textLength ?? 0) + text.length;
    if (element.textLength > MAX_VALUE_CHARS)
      throw this.fail(`the text of <${element.name}> is longer than ${MAX_VALUE_CHARS} characters`);
    element.text.push(text);
  }

  /** At the end of input: refuses a document that is truncated or has no root. */
  checkComplete(): void {
    if (this.stack.length > 0) {
      const path = this.stack.map((e) => `<${e.name}>`).join(' > ');
      throw this.fail(`input is truncated: it ended inside ${path}`);
    }
    if (!this.sawRoot) throw this.fail('input is not an nmap XML document: no <nmaprun> element');
  }

  result(): NmapXmlParseResult {
    return { observation: { run: this.run, hosts: this.hosts }, skippedTargets: this.skippedTargets };
  }

  /** An NmapOutputInvalid error located at the current position. */
  refuse(reason: string, cause?: unknown): DriftwatchError {
    return this.fail(reason, cause);
  }

  private fail(reason: string, cause?: unknown): DriftwatchError {
    const { line, column } = this.locate();
    return invalidAt(line + 1, column + 1, reason, cause);
  }

  /** The shared copy of a value that repeats across hosts (bounded, for hostile input). */
  private shared(value: string): string;
  private shared(value: string | undefined): string | undefined;
  private shared(value: string | undefined): string | undefined {
    if (value === undefined || value === '') return value;
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    const copy = own(value);
    if (this.strings.size < MAX_SHARED_STRINGS) this.strings.set(copy, copy);
    return copy;
  }

  private parentName(up = 1): string | undefined {
    return this.stack[this.stack.length - up]?.name;
  }

  open(name: string, a: Attributes): void {
    const parent = this.parentName();
    if (this.stack.length === 0) {
      if (this.sawRoot) throw this.fail(`unexpected second root element <${name}>`);
      if (name !== 'nmaprun')
        throw this.fail(`input is not an nmap XML document: root element is <${name}>, not <nmaprun>`);
      this.sawRoot = true;
      this.openRun(a);
    }
    if (this.stack.length >= MAX_DEPTH)
      throw this.fail(`elements are nested deeper than ${MAX_DEPTH} levels`);
    const element: OpenElement = { name };
    this.stack.push(element);

    switch (name) {
      case 'host':
        if (parent === 'nmaprun') this.openHost(a);
        break;
      case 'target': {
        const specification = a.get('specification');
        if (parent === 'nmaprun' && a.get('status') === 'skipped' && specification !== undefined) {
          this.skippedTargets.push(
            withOptional<NmapSkippedTarget>(
              { specification: own(specification) },
              { reason: own(a.get('reason')) },
            ),
          );
        }
        break;
      }
      case 'finished':
        if (parent === 'runstats') this.openFinished(a);
        break;
      case 'taskprogress':
        if (parent === 'nmaprun' && this.observers.onTaskProgress) {
          const progress: NmapTaskProgressAttributes = {};
          for (const key of ['task', 'percent', 'remaining', 'etc', 'time'] as const) {
            const value = a.get(key);
            if (value !== undefined) progress[key] = own(value);
          }
          observe(() => this.observers.onTaskProgress?.(progress));
        }
        break;
      case 'hosts':
        if (parent === 'runstats') {
          this.run.hostsUp = this.count(a.get('up'), 'hosts up');
          this.run.hostsDown = this.count(a.get('down'), 'hosts down');
          this.run.hostsTotal = this.count(a.get('total'), 'hosts total');
        }
        break;
      default:
        this.openInHost(name, parent, a, element);
    }
  }

  private openInHost(name: string, parent: string | undefined, a: Attributes, element: OpenElement): void {
    const host = this.host;
    if (!host) return;
    switch (name) {
      case 'status':
        if (parent === 'host' && !this.checkOnly) {
          host.status = HOST_STATUSES.find((status) => status === a.get('state')) ?? 'unknown';
          const reason = a.get('reason');
          if (reason) host.statusReason = this.shared(reason);
        }
        break;
      case 'address': {
        const addr = a.get('addr');
        const type = a.get('addrtype');
        if (parent === 'host' && addr && (type === 'ipv4' || type === 'ipv6' || type === 'mac')) {
          const problem = addressProblem(addr, type);
          if (problem) throw this.fail(problem);
          if (this.checkOnly) break;
          // IPv6 in lower case, as nmap prints it: 2001:DB8::1 is the same host as 2001:db8::1.
          const canonical = type === 'ipv6' ? addr.toLowerCase() : addr;
          host.addresses.push(
            withOptional<HostAddress>(
              { addr: own(canonical), type },
              { vendor: this.shared(a.get('vendor')) },
            ),
          );
        }
        break;
      }
      case 'hostname': {
        const hostname = a.get('name');
        if (parent === 'hostnames' && hostname && !this.checkOnly)
          host.hostnames.push(
            withOptional<Hostname>({ name: own(hostname) }, { type: this.shared(a.get('type')) }),
          );
        break;
      }
      case 'extraports':
        if (parent === 'ports') {
          const count = this.count(a.get('count'), 'extraports count');
          if (!this.checkOnly) host.extraPorts.push({ state: this.shared(a.get('state')) ?? '', count });
        }
        break;
      case 'port':
        if (parent === 'ports') this.openPort(a);
        break;
      case 'state':
        if (parent === 'port' && this.port) this.setPortState(this.port, a);
        break;
      case 'service':
        if (parent === 'port' && this.port) {
          const service = this.service(a);
          if (service) this.port.service = service;
        }
        break;
      case 'cpe':
        if (parent === 'service' && !this.checkOnly) element.text = [];
        break;
      case 'osmatch': {
        const osName = a.get('name');
        if (parent === 'os' && osName !== undefined) {
          const accuracy = this.count(a.get('accuracy'), 'osmatch accuracy');
          if (!this.checkOnly) host.os.push({ name: this.shared(osName), accuracy });
        }
        break;
      }
      case 'script':
        if (((parent === 'port' && this.port) || parent === 'hostscript') && !this.checkOnly) {
          this.script = {
            id: this.shared(a.get('id')) ?? '',
            output: own(a.get('output')) ?? '',
            elems: [],
            tables: [],
          };
          (parent === 'port' && this.port ? this.port.scripts : host.scripts).push(this.script);
        }
        break;
      case 'table':
        if (this.script && (parent === 'script' || parent === 'table')) {
          const table = withOptional<ScriptTable>(
            { elems: [], tables: [] },
            { key: this.shared(a.get('key')) },
          );
          (this.tables[this.tables.length - 1] ?? this.script).tables.push(table);
          this.tables.push(table);
        }
        break;
      case 'elem':
        if (this.script && (parent === 'script' || parent === 'table')) {
          element.text = [];
          element.key = this.shared(a.get('key'));
        }
        break;
      default:
        break;
    }
  }

  close(name: string): void {
    const element = this.stack.pop();
    const parent = this.parentName();
    switch (name) {
      case 'host':
        if (parent === 'nmaprun' && this.host) {
          if (!this.checkOnly) this.hosts.push(compactHost(this.host));
          this.host = null;
          if (this.observers.onHostEnd) observe(this.observers.onHostEnd);
        }
        break;
      case 'port':
        if (parent === 'ports' && this.port) {
          if (!this.portHasState)
            throw this.fail(`port ${this.port.port}/${this.port.protocol} has no <state>`);
          this.port = null;
        }
        break;
      case 'script':
        if (parent === 'port' || parent === 'hostscript') {
          this.script = null;
          this.tables = [];
        }
        break;
      case 'table':
        if (this.script && (parent === 'script' || parent === 'table')) this.tables.pop();
        break;
      case 'elem':
        if (this.script && element?.text) {
          const elem = withOptional<ScriptElement>(
            { value: own(element.text.join('')) },
            { key: element.key },
          );
          (this.tables[this.tables.length - 1] ?? this.script).elems.push(elem);
        }
        break;
      case 'cpe':
        if (element?.text && this.port?.service) {
          const cpe = element.text.join('').trim();
          if (cpe) this.port.service.cpe.push(this.shared(cpe));
        }
        break;
      default:
        break;
    }
  }

  private openRun(a: Attributes): void {
    const version = a.get('version');
    if (version) this.run.version = own(version);
    const args = a.get('args');
    if (args !== undefined) this.run.args = own(args);
    const started = epochToIso(a.get('start'));
    if (started) this.run.startedAt = started;
  }

  private openFinished(a: Attributes): void {
    const finished = epochToIso(a.get('time'));
    if (finished) this.run.finishedAt = finished;
    const exit = a.get('exit');
    if (exit === 'success' || exit === 'error') this.run.exit = exit;
    const summary = a.get('summary');
    if (summary) this.run.summary = own(summary);
    const errorMessage = a.get('errormsg');
    if (errorMessage) this.run.errorMessage = own(errorMessage);
  }

  private openHost(a: Attributes): void {
    const empty: HostObservation = {
      status: 'unknown',
      addresses: [],
      hostnames: [],
      ports: [],
      extraPorts: [],
      os: [],
      scripts: [],
    };
    // The times are read leniently (nonsense is left out, never refused): nothing to check.
    if (this.checkOnly) {
      this.host = empty;
      return;
    }
    this.host = withOptional<HostObservation>(empty, {
      startTime: epochToIso(a.get('starttime')),
      endTime: epochToIso(a.get('endtime')),
      timedOut: a.get('timedout') === 'true' ? true : undefined,
    });
  }

  private openPort(a: Attributes): void {
    if (!this.host) return;
    const protocol = PROTOCOLS.find((p) => p === a.get('protocol'));
    if (protocol === undefined) throw this.fail(`unknown port protocol "${a.get('protocol') ?? ''}"`);
    const portid = a.get('portid');
    const port = Number(portid);
    if (portid === undefined || !/^[0-9]{1,5}$/.test(portid) || port > 65535) {
      throw this.fail(`invalid portid "${portid ?? ''}"`);
    }
    // Placeholder until <state> arrives; a port that never gets one is refused on close.
    this.port = { protocol, port, state: 'filtered', scripts: [] };
    this.portHasState = false;
    if (!this.checkOnly) this.host.ports.push(this.port);
  }

  private setPortState(port: PortObservation, a: Attributes): void {
    const state = PORT_STATES.find((s) => s === a.get('state'));
    // Refused rather than dropped: a state this model cannot hold must not silently vanish.
    if (state === undefined)
      throw this.fail(`unknown port state "${a.get('state') ?? ''}" for port ${port.port}`);
    port.state = state;
    this.portHasState = true;
    if (this.checkOnly) return;
    const reason = a.get('reason');
    if (reason) port.reason = this.shared(reason);
  }

  /** The service of a port; undefined (after the checks) with checkOnly. */
  private service(a: Attributes): ServiceInfo | undefined {
    const confValue = a.get('conf');
    const conf =
      confValue === undefined || confValue === '' ? undefined : this.count(confValue, 'service conf');
    if (this.checkOnly) return undefined;
    return withOptional<ServiceInfo>(
      { cpe: [] },
      {
        name: this.shared(a.get('name')),
        product: this.shared(a.get('product')),
        version: this.shared(a.get('version')),
        extraInfo: this.shared(a.get('extrainfo')),
        tunnel: this.shared(a.get('tunnel')),
        method: this.shared(a.get('method')),
        confidence: conf,
        osType: this.shared(a.get('ostype')),
        hostname: own(a.get('hostname')),
        deviceType: this.shared(a.get('devicetype')),
      },
    );
  }

  private count(value: string | undefined, what: string): number {
    if (value === undefined || value === '') return 0;
    if (!/^[0-9]{1,10}$/.test(value)) throw this.fail(`${what} "${value}" is not a non-negative integer`);
    return Number(value);
  }
}

/** Calls an observer; what it throws must not turn into a parse error. */
function observe(call: () => void): void {
  try {
    call();
  } catch {
    // Deliberately ignored: see NmapXmlObservers.
  }
}

/** nmap's epoch-seconds attributes as ISO-8601; absent, empty or nonsense values give undefined. */
function epochToIso(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // Hosts scanned together share their times: reuse the last conversion.
  if (value === lastEpochValue) return lastEpochIso;
  if (!/^[0-9]{1,12}$/.test(value)) return undefined;
  lastEpochIso = new Date(Number(value) * 1000).toISOString();
  lastEpochValue = own(value);
  return lastEpochIso;
}
let lastEpochValue: string | undefined;
let lastEpochIso: string | undefined;

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/**
 * Required members as given; optional ones only when present and non-empty (nmap writes vendor="" etc.).
 * `required` must be a fresh object literal: it is completed in place (this runs for every port).
 */
function withOptional<T extends object>(required: Pick<T, RequiredKeys<T>>, optional: Partial<T>): T {
  const out = required as Record<string, unknown>;
  for (const k in optional) {
    const v = optional[k];
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out as T;
}

/** The host with its lists copied to their exact size: a /16 keeps ~65,000 of them. */
function compactHost(host: HostObservation): HostObservation {
  host.addresses = compact(host.addresses);
  host.hostnames = compact(host.hostnames);
  host.extraPorts = compact(host.extraPorts);
  host.os = compact(host.os);
  host.scripts = compact(host.scripts);
  host.ports = compact(host.ports);
  for (const port of host.ports) {
    port.scripts = compact(port.scripts);
    if (port.service) port.service.cpe = compact(port.service.cpe);
  }
  return host;
}

/** A copy of an array with no spare capacity (a pushed-to array keeps room for ~16 more). */
function compact<T>(items: T[]): T[] {
  return items.length === 0 ? items : items.slice();
}

/**
 * A copy of a string that does not share memory with the text it was cut from: V8 represents a
 * substring of 13+ characters as a view that keeps the whole parsed chunk alive.
 */
function own(value: string): string;
function own(value: string | undefined): string | undefined;
function own(value: string | undefined): string | undefined {
  return value === undefined || value.length < 13 ? value : (' ' + value).slice(1);
}

/**
 * Why an address is not one nmap writes, or undefined. nmap writes IPv4 in dotted decimal; other
 * spellings of the same address (3221225994, 192.0.522, 192.0.2.011 read as octal) would be
 * stored as separate hosts, and their findings would never meet the address's other evidence.
 */
function addressProblem(addr: string, type: 'ipv4' | 'ipv6' | 'mac'): string | undefined {
  const shown = addr.length > 64 ? `${addr.slice(0, 64)}…` : addr;
  if (type === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(addr))
    return `address "${shown}" is not an IPv4 address in dotted decimal`;
  if (type === 'ipv6' && !ipaddr.IPv6.isValid(addr)) return `address "${shown}" is not an IPv6 address`;
  return undefined;
}

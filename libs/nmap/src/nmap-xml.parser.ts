import { StringDecoder } from 'node:string_decoder';
import sax from 'sax';
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
  type PortState,
  type Protocol,
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

export const DEFAULT_MAX_NMAP_XML_BYTES = 256 * 1024 * 1024;
// Deep enough for any NSE table nesting nmap produces; bounds a hostile document's nesting.
const MAX_DEPTH = 256;
const HOST_STATUSES: readonly HostStatus[] = ['up', 'down', 'unknown', 'skipped'];

/**
 * Parse nmap's XML output (-oX) into a NetworkObservation, streaming: the input is fed to sax
 * chunk by chunk and only the model is kept in memory.
 */
export async function parseNmapXml(
  input: NodeJS.ReadableStream | string,
  limits?: NmapXmlLimits,
): Promise<NetworkObservation> {
  return (await parseNmapXmlDetailed(input, limits)).observation;
}

/** parseNmapXml plus what nmap reported outside the host model (skipped targets), for the runner. */
export async function parseNmapXmlDetailed(
  input: NodeJS.ReadableStream | string,
  limits: NmapXmlLimits = {},
): Promise<NmapXmlParseResult> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_NMAP_XML_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw DriftwatchError.validation([{ field: 'maxBytes', reason: 'must be a positive integer' }]);
  }
  const builder = new NmapXmlBuilder();
  const tooBig = () => builder.refuse(`input exceeds the limit of ${maxBytes} bytes`);

  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > maxBytes) throw tooBig();
    builder.write(input);
    return builder.end();
  }

  const decoder = new ChunkDecoder();
  let bytes = 0;
  // for-await gives back-pressure; leaving the loop early (a throw) destroys the stream.
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    bytes += buffer.length;
    if (bytes > maxBytes) throw tooBig();
    builder.write(decoder.write(buffer));
  }
  builder.write(decoder.end());
  return builder.end();
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

type Attributes = Record<string, string>;

interface OpenElement {
  name: string;
  /** Text collected for elements whose content is data (<elem>, <cpe>). */
  text?: string[];
  key?: string;
}

/** Turns sax events into the model. Elements are matched by name AND parent, so look-alikes elsewhere are ignored. */
class NmapXmlBuilder {
  private readonly parser = sax.parser(true, { trim: false, normalize: false, position: true });
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

  constructor() {
    const p = this.parser;
    p.onerror = (error) => {
      throw this.fail(error.message.split('\n')[0] ?? 'malformed XML', error);
    };
    p.ondoctype = (doctype) => {
      // nmap itself writes `<!DOCTYPE nmaprun>`; anything more (an internal subset with
      // <!ENTITY>, or a SYSTEM/PUBLIC external id) could declare entities and is refused.
      if (doctype.trim() !== 'nmaprun') {
        throw this.fail(
          'refusing a DOCTYPE with an external id or internal subset (entity declarations are not allowed)',
        );
      }
    };
    p.onsgmldeclaration = (decl) => {
      throw this.fail(`refusing the markup declaration <!${decl.split(/\s/)[0] ?? ''}>`);
    };
    p.onopentag = (tag) => this.open(tag.name, tag.attributes as Attributes);
    p.onclosetag = (name) => this.close(name);
    p.ontext = (text) => this.stack[this.stack.length - 1]?.text?.push(text);
    p.oncdata = (text) => this.stack[this.stack.length - 1]?.text?.push(text);
  }

  write(text: string): void {
    if (text.length > 0) this.parser.write(text);
  }

  end(): NmapXmlParseResult {
    if (this.stack.length > 0) {
      const path = this.stack.map((e) => `<${e.name}>`).join(' > ');
      throw this.fail(`input is truncated: it ended inside ${path}`);
    }
    if (!this.sawRoot) throw this.fail('input is not an nmap XML document: no <nmaprun> element');
    this.parser.close();
    return { observation: { run: this.run, hosts: this.hosts }, skippedTargets: this.skippedTargets };
  }

  /** An NmapOutputInvalid error located at the parser's current position. */
  refuse(reason: string, cause?: unknown): DriftwatchError {
    return this.fail(reason, cause);
  }

  private fail(reason: string, cause?: unknown): DriftwatchError {
    return invalid(
      `Invalid nmap XML at line ${this.parser.line + 1}, column ${this.parser.column + 1}: ${reason}`,
      cause,
    );
  }

  private parentName(up = 1): string | undefined {
    return this.stack[this.stack.length - up]?.name;
  }

  private open(name: string, a: Attributes): void {
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
      case 'target':
        if (parent === 'nmaprun' && a.status === 'skipped' && a.specification !== undefined) {
          this.skippedTargets.push(
            withOptional<NmapSkippedTarget>({ specification: a.specification }, { reason: a.reason }),
          );
        }
        break;
      case 'finished':
        if (parent === 'runstats') this.openFinished(a);
        break;
      case 'hosts':
        if (parent === 'runstats') {
          this.run.hostsUp = this.count(a.up, 'hosts up');
          this.run.hostsDown = this.count(a.down, 'hosts down');
          this.run.hostsTotal = this.count(a.total, 'hosts total');
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
        if (parent === 'host') {
          host.status = HOST_STATUSES.includes(a.state as HostStatus) ? (a.state as HostStatus) : 'unknown';
          if (a.reason) host.statusReason = a.reason;
        }
        break;
      case 'address':
        if (
          parent === 'host' &&
          a.addr &&
          (a.addrtype === 'ipv4' || a.addrtype === 'ipv6' || a.addrtype === 'mac')
        ) {
          host.addresses.push(
            withOptional<HostAddress>({ addr: a.addr, type: a.addrtype }, { vendor: a.vendor }),
          );
        }
        break;
      case 'hostname':
        if (parent === 'hostnames' && a.name)
          host.hostnames.push(withOptional<Hostname>({ name: a.name }, { type: a.type }));
        break;
      case 'extraports':
        if (parent === 'ports')
          host.extraPorts.push({ state: a.state ?? '', count: this.count(a.count, 'extraports count') });
        break;
      case 'port':
        if (parent === 'ports') this.openPort(a);
        break;
      case 'state':
        if (parent === 'port' && this.port) this.setPortState(this.port, a);
        break;
      case 'service':
        if (parent === 'port' && this.port) this.port.service = this.service(a);
        break;
      case 'cpe':
        if (parent === 'service') element.text = [];
        break;
      case 'osmatch':
        if (parent === 'os' && a.name !== undefined) {
          host.os.push({ name: a.name, accuracy: this.count(a.accuracy, 'osmatch accuracy') });
        }
        break;
      case 'script':
        if ((parent === 'port' && this.port) || parent === 'hostscript') {
          this.script = { id: a.id ?? '', output: a.output ?? '', elems: [], tables: [] };
          (parent === 'port' && this.port ? this.port.scripts : host.scripts).push(this.script);
        }
        break;
      case 'table':
        if (this.script && (parent === 'script' || parent === 'table')) {
          const table = withOptional<ScriptTable>({ elems: [], tables: [] }, { key: a.key });
          (this.tables[this.tables.length - 1] ?? this.script).tables.push(table);
          this.tables.push(table);
        }
        break;
      case 'elem':
        if (this.script && (parent === 'script' || parent === 'table')) {
          element.text = [];
          element.key = a.key;
        }
        break;
      default:
        break;
    }
  }

  private close(name: string): void {
    const element = this.stack.pop();
    const parent = this.parentName();
    switch (name) {
      case 'host':
        if (parent === 'nmaprun' && this.host) {
          this.hosts.push(this.host);
          this.host = null;
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
          const elem = withOptional<ScriptElement>({ value: element.text.join('') }, { key: element.key });
          (this.tables[this.tables.length - 1] ?? this.script).elems.push(elem);
        }
        break;
      case 'cpe':
        if (element?.text && this.port?.service) {
          const cpe = element.text.join('').trim();
          if (cpe) this.port.service.cpe.push(cpe);
        }
        break;
      default:
        break;
    }
  }

  private openRun(a: Attributes): void {
    if (a.version) this.run.version = a.version;
    if (a.args !== undefined) this.run.args = a.args;
    const started = epochToIso(a.start);
    if (started) this.run.startedAt = started;
  }

  private openFinished(a: Attributes): void {
    const finished = epochToIso(a.time);
    if (finished) this.run.finishedAt = finished;
    if (a.exit === 'success' || a.exit === 'error') this.run.exit = a.exit;
    if (a.summary) this.run.summary = a.summary;
    if (a.errormsg) this.run.errorMessage = a.errormsg;
  }

  private openHost(a: Attributes): void {
    this.host = withOptional<HostObservation>(
      { status: 'unknown', addresses: [], hostnames: [], ports: [], extraPorts: [], os: [], scripts: [] },
      { startTime: epochToIso(a.starttime), endTime: epochToIso(a.endtime) },
    );
  }

  private openPort(a: Attributes): void {
    if (!this.host) return;
    const protocol = a.protocol as Protocol;
    if (!PROTOCOLS.includes(protocol)) throw this.fail(`unknown port protocol "${a.protocol ?? ''}"`);
    const port = Number(a.portid);
    if (a.portid === undefined || !/^[0-9]{1,5}$/.test(a.portid) || port > 65535) {
      throw this.fail(`invalid portid "${a.portid ?? ''}"`);
    }
    // Placeholder until <state> arrives; a port that never gets one is refused on close.
    this.port = { protocol, port, state: 'filtered', scripts: [] };
    this.portHasState = false;
    this.host.ports.push(this.port);
  }

  private setPortState(port: PortObservation, a: Attributes): void {
    const state = a.state as PortState;
    // Refused rather than dropped: a state this model cannot hold must not silently vanish.
    if (!PORT_STATES.includes(state))
      throw this.fail(`unknown port state "${a.state ?? ''}" for port ${port.port}`);
    port.state = state;
    this.portHasState = true;
    if (a.reason) port.reason = a.reason;
  }

  private service(a: Attributes): ServiceInfo {
    const conf = a.conf === undefined || a.conf === '' ? undefined : this.count(a.conf, 'service conf');
    return withOptional<ServiceInfo>(
      { cpe: [] },
      {
        name: a.name,
        product: a.product,
        version: a.version,
        extraInfo: a.extrainfo,
        tunnel: a.tunnel,
        method: a.method,
        confidence: conf,
        osType: a.ostype,
        hostname: a.hostname,
        deviceType: a.devicetype,
      },
    );
  }

  private count(value: string | undefined, what: string): number {
    if (value === undefined || value === '') return 0;
    if (!/^[0-9]{1,10}$/.test(value)) throw this.fail(`${what} "${value}" is not a non-negative integer`);
    return Number(value);
  }
}

/** nmap's epoch-seconds attributes as ISO-8601; absent, empty or nonsense values give undefined. */
function epochToIso(value: string | undefined): string | undefined {
  if (value === undefined || !/^[0-9]{1,12}$/.test(value)) return undefined;
  return new Date(Number(value) * 1000).toISOString();
}

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/** Required members as given; optional ones only when present and non-empty (nmap writes vendor="" etc.). */
function withOptional<T extends object>(required: Pick<T, RequiredKeys<T>>, optional: Partial<T>): T {
  const out: Record<string, unknown> = { ...required };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined && v !== '') out[k] = v;
  return out as T;
}

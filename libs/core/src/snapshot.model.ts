/**
 * The network snapshot model: what one scan of a scope observed, as plain data.
 * Field names follow nmap's XML so nothing nmap reports needs to be dropped on the way in.
 */
export const PORT_STATES = [
  'open',
  'closed',
  'filtered',
  'unfiltered',
  'open|filtered',
  'closed|filtered',
] as const;
export type PortState = (typeof PORT_STATES)[number];

export const PROTOCOLS = ['tcp', 'udp', 'sctp', 'ip'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export type CipherGrade = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export interface TlsFacts {
  versions: string[];
  ciphers: { protocol: string; name: string; kex?: string; grade?: CipherGrade }[];
  leastGrade?: CipherGrade;
  certificate?: {
    subject: Record<string, string>;
    issuer: Record<string, string>;
    keyType?: string;
    keyBits?: number;
    signatureAlgorithm?: string;
    notBefore?: string;
    notAfter?: string;
    selfSigned: boolean;
    sha256?: string;
    /** The subjectAltName extension's dNSName and iPAddress entries, as OpenSSL prints them. */
    dnsNames?: string[];
    ipAddresses?: string[];
  };
  errors: string[];
}

export interface SshFacts {
  kexAlgorithms: string[];
  hostKeyAlgorithms: string[];
  encryptionAlgorithms: string[];
  macAlgorithms: string[];
  compressionAlgorithms: string[];
  authMethods?: string[];
  errors: string[];
}

/** One response header line, as the server sent it (name in its own case). */
export interface HttpHeader {
  name: string;
  value: string;
}

/** A Strict-Transport-Security header read by RFC 6797 section 6.1. */
export interface HstsPolicy {
  /** The max-age directive in seconds; absent when missing or not a number (see the facts' errors). */
  maxAgeSeconds?: number;
  includeSubDomains: boolean;
  /** The `preload` token of the browsers' preload lists (not part of RFC 6797). */
  preload: boolean;
  /**
   * Whether the header is well-formed: a numeric max-age and no directive given twice. A
   * browser ignores one that is not, and any received over plain HTTP whatever its form.
   */
  valid: boolean;
  /** The header value as sent. */
  raw: string;
}

/**
 * Typed facts of one HTTP endpoint, from the http-headers NSE script: the headers of the
 * response to a HEAD request for "/", or to a GET when HEAD did not give a 200 without a body.
 * The script's output carries no status line, so the status code is not known here; in nmap
 * 7.93 a HEAD request type implies the response was 200 OK.
 */
export interface HttpFacts {
  /** The request the headers answer, from the script's "(Request type: ...)" line. */
  requestType?: 'HEAD' | 'GET';
  /** Every header line in the order sent; a repeated header appears once per line. */
  headers: HttpHeader[];
  /** The first Server header's value (product and version disclosure). */
  server?: string;
  /** The first X-Powered-By header's value. */
  poweredBy?: string;
  /** The first Strict-Transport-Security header, as browsers read only that one. */
  hsts?: HstsPolicy;
  /** Script errors and anything that could not be read cleanly; the facts above keep what could. */
  errors: string[];
}

export type HostStatus = 'up' | 'down' | 'unknown' | 'skipped';

/** NSE structured output: nmap's <elem> and <table> elements, in document order. */
export interface ScriptElement {
  key?: string;
  value: string;
}
export interface ScriptTable {
  key?: string;
  elems: ScriptElement[];
  tables: ScriptTable[];
}
export interface ScriptResult {
  id: string;
  output: string;
  /** Structured output when the script produced any (elems and tables at top level). */
  elems: ScriptElement[];
  tables: ScriptTable[];
}

export interface ServiceInfo {
  name?: string;
  product?: string;
  version?: string;
  extraInfo?: string;
  tunnel?: string;
  method?: string;
  confidence?: number;
  osType?: string;
  hostname?: string;
  deviceType?: string;
  cpe: string[];
}

export interface PortObservation {
  protocol: Protocol;
  port: number;
  state: PortState;
  reason?: string;
  service?: ServiceInfo;
  scripts: ScriptResult[];
  /** Typed facts derived from NSE output (ssl-enum-ciphers, ssl-cert). */
  tls?: TlsFacts;
  /** Typed facts derived from NSE output (ssh2-enum-algos, ssh-auth-methods). */
  ssh?: SshFacts;
  /** Typed facts derived from NSE output (http-headers). */
  http?: HttpFacts;
}

export interface HostAddress {
  addr: string;
  type: 'ipv4' | 'ipv6' | 'mac';
  vendor?: string;
}

export interface Hostname {
  name: string;
  type?: string;
}

export interface OsMatch {
  name: string;
  accuracy: number;
}

export interface ExtraPorts {
  state: string;
  count: number;
}

export interface HostObservation {
  status: HostStatus;
  statusReason?: string;
  addresses: HostAddress[];
  hostnames: Hostname[];
  ports: PortObservation[];
  extraPorts: ExtraPorts[];
  os: OsMatch[];
  scripts: ScriptResult[];
  startTime?: string;
  endTime?: string;
  /**
   * nmap gave up on the host (--host-timeout, `timedout="true"`) and reports nothing of its
   * ports: the host was not observed. Never stored (see setAsideTimedOut).
   */
  timedOut?: true;
}

export interface ScanRunInfo {
  scanner: 'nmap';
  version?: string;
  args?: string;
  startedAt?: string;
  finishedAt?: string;
  /** nmap's own verdict from <runstats><finished exit="..."/>. */
  exit?: 'success' | 'error';
  summary?: string;
  errorMessage?: string;
  hostsUp: number;
  hostsDown: number;
  hostsTotal: number;
}

/** Everything one scan observed. `hosts` is the content that is hashed; run info is metadata. */
export interface NetworkObservation {
  run: ScanRunInfo;
  hosts: HostObservation[];
}

/** The primary address of a host: first IPv4, else first IPv6, else first address of any kind. */
export function primaryAddress(host: HostObservation): string | undefined {
  // One pass, no closures: rules place every host of a snapshot by it.
  const addresses = host.addresses;
  let ipv6: string | undefined;
  for (let i = 0; i < addresses.length; i += 1) {
    const { addr, type } = addresses[i];
    if (type === 'ipv4') return addr;
    if (type === 'ipv6') ipv6 ??= addr;
  }
  return ipv6 ?? addresses[0]?.addr;
}

import type {
  ExtraPorts,
  HostStatus,
  HttpFacts,
  PortState,
  Protocol,
  SshFacts,
  TlsFacts,
} from '@driftwatch/core';

/**
 * What changed between two observations of the same network. Host identity and what counts as
 * a change follow nmap's own `ndiff` (see docs/decisions/0005-drift-model.md); the order of
 * this list is the order changes of one host or port are reported in.
 */
export const CHANGE_TYPES = [
  'host-appeared',
  'host-removed',
  'host-status-changed',
  'host-address-changed',
  'hostname-changed',
  'os-changed',
  'host-extraports-changed',
  'host-script-changed',
  'port-added',
  'port-removed',
  'port-state-changed',
  'service-changed',
  'port-script-changed',
  'port-tls-changed',
  'port-ssh-changed',
  'port-http-changed',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** The service fields ndiff shows (tunnel is shown but, unlike here, not compared by ndiff). */
export interface ServiceFields {
  name?: string;
  product?: string;
  version?: string;
  extraInfo?: string;
  tunnel?: string;
}

export interface AddressRef {
  addr: string;
  type: 'ipv4' | 'ipv6' | 'mac';
}

export interface ScriptOutput {
  id: string;
  output: string;
}

/** A port as listed in a scan. */
export interface ListedPort {
  state: PortState;
  service?: ServiceFields;
}

/** A port's state where nmap did not list it but summarised it ("Not shown: 995 closed ports"). */
export interface SummarisedPort {
  state: string;
}

/** A whole host, for one that appeared or went away (ndiff prints the whole host block too). */
export interface HostSummary {
  status: HostStatus;
  addresses: AddressRef[];
  hostnames: string[];
  /** The listed ports, except those in a state the host's extraports summarise (as ndiff). */
  ports: (ListedPort & { protocol: Protocol; port: number })[];
  extraPorts: ExtraPorts[];
  os: string[];
  scripts: ScriptOutput[];
}

interface HostLevel<T extends ChangeType, B, A> {
  type: T;
  /** The host's identity: its lowest IPv4, else IPv6, else MAC address (ndiff's rule). */
  address: string;
  before?: B;
  after?: A;
}
interface PortLevel<T extends ChangeType, B, A> extends HostLevel<T, B, A> {
  port: number;
  protocol: Protocol;
}

export type HostAppeared = HostLevel<'host-appeared', never, HostSummary> & { after: HostSummary };
export type HostRemoved = HostLevel<'host-removed', HostSummary, never> & { before: HostSummary };
export type HostStatusChanged = Required<
  HostLevel<'host-status-changed', { status: HostStatus }, { status: HostStatus }>
>;
export type HostAddressChanged = Required<
  HostLevel<'host-address-changed', { addresses: AddressRef[] }, { addresses: AddressRef[] }>
>;
export type HostnameChanged = Required<
  HostLevel<'hostname-changed', { hostnames: string[] }, { hostnames: string[] }>
>;
export type OsChanged = Required<HostLevel<'os-changed', { os: string[] }, { os: string[] }>>;
export type HostExtraPortsChanged = Required<
  HostLevel<'host-extraports-changed', { extraPorts: ExtraPorts[] }, { extraPorts: ExtraPorts[] }>
>;
/** A host script added (no `before`), removed (no `after`) or with changed output. */
export type HostScriptChanged = HostLevel<'host-script-changed', ScriptOutput, ScriptOutput>;
/**
 * A port newly listed. `before` is present when the earlier scan summarised the port in a
 * single extraports state (e.g. `{ state: 'closed' }`), so the change is that state → `after`.
 */
export type PortAdded = PortLevel<'port-added', SummarisedPort, ListedPort> & { after: ListedPort };
/** A port no longer listed; `after` is the summarised state when the later scan has exactly one. */
export type PortRemoved = PortLevel<'port-removed', ListedPort, SummarisedPort> & { before: ListedPort };
export type PortStateChanged = Required<
  PortLevel<'port-state-changed', { state: PortState }, { state: PortState }>
>;
export type ServiceChanged = Required<PortLevel<'service-changed', ServiceFields, ServiceFields>>;
/** A port script added (no `before`), removed (no `after`) or with changed output. */
export type PortScriptChanged = PortLevel<'port-script-changed', ScriptOutput, ScriptOutput>;

/**
 * The typed facts derived from a port's scripts changed (TLS versions or ciphers, certificate,
 * SSH algorithms or auth methods, HTTP headers): `before`/`after` are the whole facts, absent
 * when that side had none. Reported beside the port-script-changed of the script behind them.
 */
export type PortTlsChanged = PortLevel<'port-tls-changed', TlsFacts, TlsFacts>;
export type PortSshChanged = PortLevel<'port-ssh-changed', SshFacts, SshFacts>;
export type PortHttpChanged = PortLevel<'port-http-changed', HttpFacts, HttpFacts>;

export type HostChange =
  | HostAppeared
  | HostRemoved
  | HostStatusChanged
  | HostAddressChanged
  | HostnameChanged
  | OsChanged
  | HostExtraPortsChanged
  | HostScriptChanged;
export type PortChange =
  | PortAdded
  | PortRemoved
  | PortStateChanged
  | ServiceChanged
  | PortScriptChanged
  | PortTlsChanged
  | PortSshChanged
  | PortHttpChanged;
export type Change = HostChange | PortChange;

export function isPortChange(change: Change): change is PortChange {
  return 'port' in change;
}

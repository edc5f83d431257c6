import Ajv, { type ValidateFunction } from 'ajv';
import ipaddr from 'ipaddr.js';
import addFormats from 'ajv-formats';
import contextSchema from '@driftwatch/policies/schema/context.schema.json';
import {
  addressWithinNetworks,
  DriftwatchError,
  type FieldError,
  type Network,
  parseNetwork,
} from '@driftwatch/core';

export type ZoneClassification = 'cde' | 'connected' | 'internal' | 'dmz' | 'untrusted' | 'out-of-scope';
/** A port number (any protocol) or "tcp/443". */
export type PortSpec = number | string;

export interface Zone {
  name: string;
  description?: string;
  networks: string[];
  classification: ZoneClassification;
  approvedPorts?: PortSpec[];
}
export interface Role {
  name: string;
  description?: string;
  approvedPorts?: PortSpec[];
  approvedServices?: string[];
}
export interface DeclaredAsset {
  address: string;
  name?: string;
  role?: string;
  owner?: string;
  storesCardData?: boolean;
  inScope?: boolean;
  /** When the asset was declared: an asset never seen counts from then. */
  declaredAt?: string;
  lastSeenAt?: string;
  lastScannedAt?: string;
}
export interface Flow {
  from: string;
  to: string;
  ports: PortSpec[];
  reference?: string;
}
export interface ApprovedChange {
  reference: string;
  description?: string;
  targets: string[];
  ports?: PortSpec[];
  types?: string[];
  validFrom?: string;
  validUntil?: string;
}
export interface ScanRecord {
  id?: string;
  at: string;
  status: 'completed' | 'failed' | 'cancelled';
  error?: string;
}

export interface PolicyContext {
  zones: Zone[];
  roles: Role[];
  inventory: DeclaredAsset[];
  flows: Flow[];
  approvedChanges: ApprovedChange[];
  scans: ScanRecord[];
  /** The designated time servers (10.6.2): hostnames or addresses systems may synchronise with. */
  timeSources: string[];
}

/** A configuration document's parsed facts (config snapshots fill these in). */
export interface ConfigDocumentFacts {
  kind: string;
  asset: string;
  collectedAt?: string;
  tag?: 'running' | 'startup';
  /** Kind `json`: the registered schema the document satisfies (one asset may hold several). */
  schema?: string;
  facts: Record<string, unknown>;
}

/** What rules see of a zone. */
export interface ZoneView {
  name: string;
  classification: ZoneClassification;
}
/** What rules see of a role: its lists as "tcp/443" keys and service names. */
export interface RoleView {
  name: string;
  approvedPorts: string[];
  approvedServices: string[];
}

export const EMPTY_CONTEXT: Readonly<PolicyContext> = Object.freeze({
  zones: [],
  roles: [],
  inventory: [],
  flows: [],
  approvedChanges: [],
  scans: [],
  timeSources: [],
});

const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

/** "tcp/443" keys for a port spec: a bare number stands for every protocol. */
export function portKeys(spec: PortSpec): string[] {
  return typeof spec === 'number' ? PROTOCOLS.map((p) => `${p}/${spec}`) : [spec];
}

export function portKeySet(specs: readonly PortSpec[] | undefined): Set<string> {
  const keys = new Set<string>();
  for (const spec of specs ?? []) for (const key of portKeys(spec)) keys.add(key);
  return keys;
}

let validator: ValidateFunction | undefined;
function contextValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    validator = ajv.compile(contextSchema);
  }
  return validator;
}

/**
 * Checks a context document (from the API, a file or the database) against
 * policies/schema/context.schema.json and its references (zones and roles named by flows and
 * assets exist, networks parse); throws a validation error naming every bad field.
 */
export function parsePolicyContext(value: unknown, field = 'context'): PolicyContext {
  const validate = contextValidator();
  if (!validate(value)) {
    const errors: FieldError[] = (validate.errors ?? []).slice(0, 20).map((e) => ({
      field: `${field}${e.instancePath.replace(/\//g, '.').replace(/\.(\d+)/g, '[$1]')}`,
      reason: describeAjvError(e.message, e.params),
    }));
    throw DriftwatchError.validation(errors);
  }
  const context = { ...EMPTY_CONTEXT, ...(value as Partial<PolicyContext>) };
  const problems = referenceProblems(context, field);
  if (problems.length > 0) throw DriftwatchError.validation(problems);
  return context;
}

function describeAjvError(message: string | undefined, params: Record<string, unknown>): string {
  if (typeof params.additionalProperty === 'string') return `unknown property "${params.additionalProperty}"`;
  if (Array.isArray(params.allowedValues)) return `must be one of: ${params.allowedValues.join(', ')}`;
  return message ?? 'is invalid';
}

function referenceProblems(context: PolicyContext, field: string): FieldError[] {
  const problems: FieldError[] = [];
  const zones = new Set<string>();
  context.zones.forEach((zone, i) => {
    if (zones.has(zone.name))
      problems.push({ field: `${field}.zones[${i}].name`, reason: `duplicate zone "${zone.name}"` });
    zones.add(zone.name);
    zone.networks.forEach((n, j) => {
      if (!networkParses(n))
        problems.push({
          field: `${field}.zones[${i}].networks[${j}]`,
          reason: `"${n}" is not an IP address or CIDR block`,
        });
    });
  });
  const roles = new Set<string>();
  context.roles.forEach((role, i) => {
    if (roles.has(role.name))
      problems.push({ field: `${field}.roles[${i}].name`, reason: `duplicate role "${role.name}"` });
    roles.add(role.name);
  });
  const addresses = new Set<string>();
  context.inventory.forEach((asset, i) => {
    const canonical = canonicalAddress(asset.address);
    if (canonical === undefined)
      problems.push({
        field: `${field}.inventory[${i}].address`,
        reason: `"${asset.address}" is not an IP address`,
      });
    else if (addresses.has(canonical))
      problems.push({
        field: `${field}.inventory[${i}].address`,
        reason: `"${asset.address}" is declared twice`,
      });
    if (canonical !== undefined) addresses.add(canonical);
    if (asset.role !== undefined && !roles.has(asset.role))
      problems.push({ field: `${field}.inventory[${i}].role`, reason: `no role named "${asset.role}"` });
  });
  context.flows.forEach((flow, i) => {
    for (const end of ['from', 'to'] as const) {
      if (!zones.has(flow[end]))
        problems.push({ field: `${field}.flows[${i}].${end}`, reason: `no zone named "${flow[end]}"` });
    }
  });
  context.approvedChanges.forEach((change, i) => {
    change.targets.forEach((t, j) => {
      if (!networkParses(t))
        problems.push({
          field: `${field}.approvedChanges[${i}].targets[${j}]`,
          reason: `"${t}" is not an IP address or CIDR block`,
        });
    });
    if (change.validFrom && change.validUntil && Date.parse(change.validFrom) > Date.parse(change.validUntil))
      problems.push({ field: `${field}.approvedChanges[${i}].validUntil`, reason: 'is before validFrom' });
  });
  return problems;
}

/** One spelling per address (2001:DB8:0::5 → 2001:db8::5, IPv4-mapped → IPv4), as nmap reports them. */
export function canonicalAddress(text: string): string | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  return ipaddr.process(text).toString();
}

function networkParses(text: string): boolean {
  try {
    parseNetwork(text);
    return true;
  } catch {
    return false;
  }
}

/** Zones with parsed networks, for placing addresses; the longest matching prefix wins. */
export class ZoneIndex {
  private readonly zones: { view: ZoneView; zone: Zone; networks: Network[] }[];

  constructor(zones: readonly Zone[]) {
    this.zones = zones.map((zone) => ({
      view: Object.freeze({ name: zone.name, classification: zone.classification }),
      zone,
      networks: zone.networks.map(parseNetwork),
    }));
  }

  byName(name: string): Zone | undefined {
    return this.zones.find((z) => z.zone.name === name)?.zone;
  }

  view(name: string): ZoneView | undefined {
    return this.zones.find((z) => z.zone.name === name)?.view;
  }

  /** The zone holding an address: among zones that contain it, the one with the longest prefix. */
  locate(address: string): { view: ZoneView; zone: Zone } | undefined {
    let best: { view: ZoneView; zone: Zone } | undefined;
    let bestPrefix = -1;
    for (const entry of this.zones) {
      for (const network of entry.networks) {
        if (network[1] > bestPrefix && addressWithinNetworks(address, [network])) {
          best = entry;
          bestPrefix = network[1];
        }
      }
    }
    return best;
  }
}

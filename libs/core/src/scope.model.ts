import type { PortSpecEntry } from './ports';

/**
 * How a scope's scans find hosts: 'ping' runs nmap's host discovery first and port-scans only
 * the hosts that answer it; 'none' (-Pn) port-scans every address, so a host whose firewall
 * drops discovery probes is still seen, at the cost of probing every address of a range.
 */
export const HOST_DISCOVERY_MODES = ['ping', 'none'] as const;
export type HostDiscovery = (typeof HOST_DISCOVERY_MODES)[number];

/** A scope: what to scan, from which network zone, when, and which open ports are approved. */
export interface ScopeDefinition {
  id: string;
  name: string;
  targets: string[];
  ports: PortSpecEntry[];
  approvedPorts: number[];
  schedule: string | null;
  vantage: string;
  /** NSE scripts the scans run, from the nmap adapter's allowlist. */
  scripts: string[];
  /** nmap's --host-timeout for this scope, in seconds; null: the deployment's default. */
  hostTimeoutSeconds: number | null;
  /** Hard limit of one shard's nmap run, in seconds (nmap is killed); null: the default. */
  scanTimeoutSeconds: number | null;
  hostDiscovery: HostDiscovery;
}

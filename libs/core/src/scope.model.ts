import type { PortSpecEntry } from './ports';

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
}

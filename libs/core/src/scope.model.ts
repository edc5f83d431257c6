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
}

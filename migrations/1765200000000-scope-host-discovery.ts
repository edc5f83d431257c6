import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How a scope's scans find hosts: 'ping' (nmap's host discovery, the default and what every
 * existing scope keeps) or 'none' (-Pn: every listed address is port-scanned, so a host that
 * drops discovery probes is still seen). docs/decisions/0002.
 */
export class ScopeHostDiscovery1765200000000 implements MigrationInterface {
  name = 'ScopeHostDiscovery1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE scopes ADD COLUMN host_discovery text NOT NULL DEFAULT 'ping'
        CONSTRAINT scopes_host_discovery_check CHECK (host_discovery IN ('ping', 'none'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scopes DROP COLUMN host_discovery`);
  }
}

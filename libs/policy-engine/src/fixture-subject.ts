import type { HostObservation, PortObservation } from '@driftwatch/core';
import type { PortSubject } from './policy.model';

// TEST-NET-1 (RFC 5737): a fixture address that can never be a real asset.
const FIXTURE_ADDRESS = '192.0.2.10';

type RawPort = Omit<PortObservation, 'state' | 'scripts'> &
  Partial<Pick<PortObservation, 'state' | 'scripts'>>;
interface RawFixture {
  address?: string;
  host?: Partial<HostObservation>;
  port: RawPort;
  scope?: { id?: string; approvedPorts?: number[] };
}

/**
 * Completes a fixture (already checked against the rule-file schema) into a full port subject,
 * so rule files stay short: only what the condition looks at has to be written.
 */
export function fixtureSubject(raw: unknown): PortSubject {
  const fixture = raw as RawFixture;
  const port: PortObservation = {
    ...fixture.port,
    state: fixture.port.state ?? 'open',
    scripts: fixture.port.scripts ?? [],
    ...(fixture.port.service
      ? { service: { ...fixture.port.service, cpe: fixture.port.service.cpe ?? [] } }
      : {}),
  };
  const address = fixture.address ?? fixture.host?.addresses?.[0]?.addr ?? FIXTURE_ADDRESS;
  const host: HostObservation = {
    status: 'up',
    addresses: [{ addr: address, type: address.includes(':') ? 'ipv6' : 'ipv4' }],
    hostnames: [],
    ports: [port],
    extraPorts: [],
    os: [],
    scripts: [],
    ...fixture.host,
  };
  return {
    address,
    host,
    port,
    scope: { id: fixture.scope?.id ?? 'fixture', approvedPorts: fixture.scope?.approvedPorts ?? [] },
  };
}

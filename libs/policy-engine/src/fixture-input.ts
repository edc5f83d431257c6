import type { HostObservation, PortObservation } from '@driftwatch/core';
import type { ConfigDocumentFacts, PolicyContext } from './policy-context';
import type { DetectedChange, EvaluationInput } from './policy.model';

// TEST-NET-1 (RFC 5737): a fixture address that can never be a real asset.
export const FIXTURE_ADDRESS = '192.0.2.10';
/** Fixtures judge at a fixed time, so date conditions give the same verdict on every run. */
export const FIXTURE_NOW = '2026-01-01T00:00:00.000Z';

type RawPort = Partial<PortObservation> & { port: number };
interface RawHost {
  address: string;
  status?: HostObservation['status'];
  hostnames?: HostObservation['hostnames'];
  os?: HostObservation['os'];
  ports?: RawPort[];
}
interface RawFixture {
  address?: string;
  port?: RawPort;
  host?: Partial<HostObservation>;
  hosts?: RawHost[];
  changes?: DetectedChange[];
  documents?: ConfigDocumentFacts[];
  context?: Partial<PolicyContext>;
  scope?: { id?: string; vantage?: string; approvedPorts?: number[]; targets?: string[] };
  missingTargets?: string[];
  takenAt?: string;
  now?: string;
}

/**
 * Completes a fixture (already checked against the rule-file schema) into an evaluation input,
 * so rule files stay short: only what the rule looks at has to be written.
 */
export function fixtureInput(raw: unknown): EvaluationInput {
  const fixture = raw as RawFixture;
  const hosts: HostObservation[] = (fixture.hosts ?? []).map((h) =>
    fixtureHost(h.address, { status: h.status, hostnames: h.hostnames, os: h.os }, h.ports ?? []),
  );
  if (fixture.port || fixture.host) {
    const address = fixture.address ?? fixture.host?.addresses?.[0]?.addr ?? FIXTURE_ADDRESS;
    hosts.push(fixtureHost(address, fixture.host ?? {}, fixture.port ? [fixture.port] : []));
  }
  const now = fixture.now ?? FIXTURE_NOW;
  return {
    snapshot: {
      scope: {
        id: fixture.scope?.id ?? 'fixture',
        vantage: fixture.scope?.vantage ?? 'default',
        approvedPorts: fixture.scope?.approvedPorts ?? [],
        ...(fixture.scope?.targets ? { targets: fixture.scope.targets } : {}),
      },
      hosts,
      missingTargets: fixture.missingTargets ?? [],
      takenAt: fixture.takenAt ?? now,
    },
    changes: fixture.changes ?? [],
    documents: fixture.documents ?? [],
    context: fixture.context ?? {},
    now: new Date(now),
  };
}

function fixtureHost(address: string, part: Partial<HostObservation>, ports: RawPort[]): HostObservation {
  const defined = Object.fromEntries(Object.entries(part).filter(([, v]) => v !== undefined));
  return {
    status: 'up',
    addresses: [{ addr: address, type: address.includes(':') ? 'ipv6' : 'ipv4' }],
    hostnames: [],
    extraPorts: [],
    os: [],
    scripts: [],
    ...defined,
    ports: ports.map(fixturePort),
  };
}

function fixturePort(raw: RawPort): PortObservation {
  return {
    ...raw,
    protocol: raw.protocol ?? 'tcp',
    state: raw.state ?? 'open',
    scripts: raw.scripts ?? [],
    ...(raw.service ? { service: { ...raw.service, cpe: raw.service.cpe ?? [] } } : {}),
  };
}

import { type HostObservation, uniformHost, uniformPort } from '@driftwatch/core';

import { httpFacts } from './http-facts';
import { sshFacts } from './ssh-facts';
import { tlsFacts } from './tls-facts';

/**
 * Hosts with typed TLS, SSH and HTTP facts attached to each port whose NSE output carries them.
 * Pure: the raw script output stays as it was, the facts sit beside it for rules and drift.
 * Hosts, ports and services come out in one shape each (uniformPort): what the policy engine reads.
 */
export function withPortFacts(hosts: readonly HostObservation[]): HostObservation[] {
  return hosts.map((host) =>
    uniformHost(
      host,
      host.ports.map((port) =>
        uniformPort(port, {
          tls: tlsFacts(port.scripts) ?? port.tls,
          ssh: sshFacts(port.scripts) ?? port.ssh,
          http: httpFacts(port.scripts) ?? port.http,
        }),
      ),
    ),
  );
}

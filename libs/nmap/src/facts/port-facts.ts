import type { HostObservation } from '@driftwatch/core';

import { httpFacts } from './http-facts';
import { sshFacts } from './ssh-facts';
import { tlsFacts } from './tls-facts';

/**
 * Hosts with typed TLS, SSH and HTTP facts attached to each port whose NSE output carries them.
 * Pure: the raw script output stays as it was, the facts sit beside it for rules and drift.
 */
export function withPortFacts(hosts: readonly HostObservation[]): HostObservation[] {
  return hosts.map((host) => ({
    ...host,
    ports: host.ports.map((port) => {
      const tls = tlsFacts(port.scripts);
      const ssh = sshFacts(port.scripts);
      const http = httpFacts(port.scripts);
      return { ...port, ...(tls ? { tls } : {}), ...(ssh ? { ssh } : {}), ...(http ? { http } : {}) };
    }),
  }));
}

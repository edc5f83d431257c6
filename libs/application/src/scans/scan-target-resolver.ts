import { Injectable } from '@nestjs/common';

import {
  addressWithinNetworks,
  DriftwatchError,
  ErrorCode,
  parseNetwork,
  parseTarget,
  type Target,
  targetWithinNetworks,
} from '@driftwatch/core';
import { AppConfig } from '@driftwatch/config';

import { HostResolver } from '@driftwatch/application/common/host-resolver';

export interface ResolvedTargets {
  targets: Target[];
  /** Address -> the scope hostnames that resolved to it, recorded on the snapshot's hosts. */
  hostnames: Map<string, string[]>;
}

/**
 * Turns a scope's stored targets into what nmap may scan: every address must lie inside the
 * allowlist. Hostnames are resolved here and nmap gets the checked addresses, so a DNS answer
 * can never point a scan outside the allowlist.
 */
@Injectable()
export class ScanTargetResolver {
  constructor(
    private readonly config: AppConfig,
    private readonly resolver: HostResolver,
  ) {}

  async resolve(stored: readonly string[]): Promise<ResolvedTargets> {
    const networks = this.config.scan.allowedNetworks.map(parseNetwork);
    const targets: Target[] = [];
    const hostnames = new Map<string, string[]>();
    for (const text of stored) {
      const parsed = parseTarget(text);
      if (!parsed.ok) throw notAllowed(`target ${JSON.stringify(text)} ${parsed.reason}`);
      const target = parsed.target;
      if (target.kind !== 'hostname') {
        if (!targetWithinNetworks(target, networks))
          throw notAllowed(`target ${text} is outside SCAN_ALLOWED_NETWORKS`);
        targets.push(target);
        continue;
      }
      let addresses: string[];
      try {
        addresses = await this.resolver.resolve(target.value);
      } catch (error: unknown) {
        throw new DriftwatchError(
          ErrorCode.ScanFailed,
          `hostname ${target.value} does not resolve`,
          {},
          { cause: error },
        );
      }
      for (const address of addresses) {
        if (!addressWithinNetworks(address, networks)) {
          throw notAllowed(`hostname ${target.value} resolves to ${address}, outside SCAN_ALLOWED_NETWORKS`);
        }
        const resolved = parseTarget(address);
        if (!resolved.ok)
          throw notAllowed(`hostname ${target.value} resolves to an unusable address ${address}`);
        targets.push(resolved.target);
        hostnames.set(resolved.target.value, [...(hostnames.get(resolved.target.value) ?? []), target.value]);
      }
    }
    const unique = new Map(targets.map((t) => [t.value, t]));
    return { targets: [...unique.values()], hostnames };
  }
}

function notAllowed(message: string): DriftwatchError {
  return new DriftwatchError(ErrorCode.TargetNotAllowed, message);
}

import type { ScanParameters, ScopeEntity } from '@driftwatch/persistence';

/** What a scan of the scope runs with, fixed on the scan when it is planned. */
export function scanParameters(scope: ScopeEntity): ScanParameters {
  return {
    ports: scope.ports,
    scripts: scope.scripts,
    hostTimeoutSeconds: scope.hostTimeoutSeconds,
    scanTimeoutSeconds: scope.scanTimeoutSeconds,
    hostDiscovery: scope.hostDiscovery,
  };
}

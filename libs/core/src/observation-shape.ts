import type { HostObservation, PortObservation, ServiceInfo } from './snapshot.model';

/**
 * Observations in one fixed shape: every member present, in one order, `undefined` when absent.
 * Rules read the same few members of hundreds of thousands of ports through ajv-compiled code,
 * and reads on objects of one hidden class are monomorphic: over the 7 port and 10 service
 * shapes that optional members give, the same conditions ran 3-5x slower (docs/decisions/0008).
 * JSON and canonical JSON leave `undefined` members out, so stored content and hashes do not change.
 */
export function uniformHost(host: HostObservation, ports: PortObservation[] = host.ports): HostObservation {
  return {
    status: host.status,
    statusReason: host.statusReason,
    addresses: host.addresses,
    hostnames: host.hostnames,
    ports,
    extraPorts: host.extraPorts,
    os: host.os,
    scripts: host.scripts,
    startTime: host.startTime,
    endTime: host.endTime,
  };
}

/** A port in the one shape; `facts` replace the port's own TLS, SSH and HTTP facts when given. */
export function uniformPort(
  port: PortObservation,
  facts: Pick<PortObservation, 'tls' | 'ssh' | 'http'> = port,
): PortObservation {
  return {
    protocol: port.protocol,
    port: port.port,
    state: port.state,
    reason: port.reason,
    service: port.service === undefined ? undefined : uniformService(port.service),
    scripts: port.scripts,
    tls: facts.tls,
    ssh: facts.ssh,
    http: facts.http,
  };
}

export function uniformService(service: ServiceInfo): ServiceInfo {
  return {
    name: service.name,
    product: service.product,
    version: service.version,
    extraInfo: service.extraInfo,
    tunnel: service.tunnel,
    method: service.method,
    confidence: service.confidence,
    osType: service.osType,
    hostname: service.hostname,
    deviceType: service.deviceType,
    cpe: service.cpe,
  };
}

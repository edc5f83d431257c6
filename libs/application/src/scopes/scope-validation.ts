import {
  type FieldError,
  type Network,
  parseNetwork,
  parsePortSpec,
  parseSchedule,
  parseTarget,
  HOST_DISCOVERY_MODES,
  type ScopeDefinition,
  targetWithinNetworks,
} from '@driftwatch/core';
import { isNseScript, NSE_SCRIPT_ALLOWLIST } from '@driftwatch/nmap/nmap-arguments';

export type ScopeInput = Omit<ScopeDefinition, 'id'>;

export const SCOPE_LIMITS = {
  targets: 256,
  portEntries: 1024,
  approvedPorts: 1024,
  hostTimeoutSeconds: [1, 86_400],
  scanTimeoutSeconds: [10, 7 * 86_400],
} as const;
// No trailing space: "cde " and "cde" would be two scopes that read the same in every list.
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 _.:-]{0,98}[A-Za-z0-9_.:-])?$/;
const VANTAGE = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * Semantic checks of a scope, all reported together with the field that failed. Targets that
 * are addresses or CIDRs must lie inside the scan allowlist; hostnames are resolved and
 * checked when scanned.
 */
export function validateScope(input: ScopeInput, allowedNetworks: readonly string[]): FieldError[] {
  const errors: FieldError[] = [];
  const networks: Network[] = allowedNetworks.map(parseNetwork);

  if (!NAME.test(input.name)) {
    errors.push({
      field: 'name',
      reason:
        'must be 1-100 characters: letters, digits, space and _ . : -, starting with a letter or digit and not ending with a space',
    });
  }

  if (input.targets.length === 0)
    errors.push({ field: 'targets', reason: 'must contain at least one target' });
  if (input.targets.length > SCOPE_LIMITS.targets) {
    errors.push({ field: 'targets', reason: `must contain at most ${SCOPE_LIMITS.targets} targets` });
  }
  input.targets.forEach((text, i) => {
    const parsed = parseTarget(text);
    if (!parsed.ok)
      errors.push({ field: `targets[${i}]`, reason: `${JSON.stringify(text)} ${parsed.reason}` });
    else if (parsed.target.kind !== 'hostname' && !targetWithinNetworks(parsed.target, networks)) {
      errors.push({
        field: `targets[${i}]`,
        reason: `${text} is outside the networks this deployment may scan (SCAN_ALLOWED_NETWORKS: ${allowedNetworks.join(', ')})`,
      });
    }
  });

  if (input.ports.length === 0) errors.push({ field: 'ports', reason: 'must contain at least one port' });
  if (input.ports.length > SCOPE_LIMITS.portEntries) {
    errors.push({ field: 'ports', reason: `must contain at most ${SCOPE_LIMITS.portEntries} entries` });
  }
  const ports = parsePortSpec(input.ports);
  if (!ports.ok) errors.push({ field: `ports[${ports.index}]`, reason: ports.reason });

  if (input.approvedPorts.length > SCOPE_LIMITS.approvedPorts) {
    errors.push({
      field: 'approvedPorts',
      reason: `must contain at most ${SCOPE_LIMITS.approvedPorts} ports`,
    });
  }
  input.approvedPorts.forEach((port, i) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      errors.push({
        field: `approvedPorts[${i}]`,
        reason: `${String(port)} is not a port number between 1 and 65535`,
      });
    }
  });

  if (input.schedule !== null) {
    const schedule = parseSchedule(input.schedule);
    if (!schedule.ok)
      errors.push({ field: 'schedule', reason: `${JSON.stringify(input.schedule)} ${schedule.reason}` });
  }

  if (input.scripts.length > NSE_SCRIPT_ALLOWLIST.length) {
    errors.push({ field: 'scripts', reason: `must contain at most ${NSE_SCRIPT_ALLOWLIST.length} scripts` });
  }
  input.scripts.forEach((name, i) => {
    if (!isNseScript(name)) {
      errors.push({
        field: `scripts[${i}]`,
        reason: `${JSON.stringify(name)} is not one of the allowed scripts: ${NSE_SCRIPT_ALLOWLIST.join(', ')}`,
      });
    }
  });

  const limits = [
    ['hostTimeoutSeconds', input.hostTimeoutSeconds, SCOPE_LIMITS.hostTimeoutSeconds],
    ['scanTimeoutSeconds', input.scanTimeoutSeconds, SCOPE_LIMITS.scanTimeoutSeconds],
  ] as const;
  for (const [field, value, [min, max]] of limits) {
    if (value !== null && (!Number.isInteger(value) || value < min || value > max)) {
      errors.push({ field, reason: `must be null or an integer from ${min} to ${max} (seconds)` });
    }
  }

  if (!VANTAGE.test(input.vantage)) {
    errors.push({ field: 'vantage', reason: 'must be 1-32 characters: lower-case letters, digits and -' });
  }
  if (!(HOST_DISCOVERY_MODES as readonly string[]).includes(input.hostDiscovery)) {
    errors.push({ field: 'hostDiscovery', reason: `must be one of: ${HOST_DISCOVERY_MODES.join(', ')}` });
  }
  return errors;
}

/** Normalised targets as stored: canonical addresses and CIDRs, lower-case hostnames. */
export function normaliseTargets(targets: readonly string[]): string[] {
  return targets.map((t) => {
    const parsed = parseTarget(t);
    return parsed.ok ? parsed.target.value : t;
  });
}

/** What a new scope runs unless it says otherwise: every script the PCI checks read. */
export const DEFAULT_SCOPE_SCRIPTS: string[] = [...NSE_SCRIPT_ALLOWLIST];

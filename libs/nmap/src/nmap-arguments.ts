import {
  DriftwatchError,
  formatPortRanges,
  MAX_PORT,
  type FieldError,
  type PortRange,
} from '@driftwatch/core';

export type ScanTechnique = 'syn' | 'connect';
export type NmapAddressFamily = 'ipv4' | 'ipv6';

export interface NmapScanOptions {
  /** Normalised port ranges (from parsePortSpec); re-checked here because they become argv. */
  ports: PortRange[];
  /** -sS needs root or CAP_NET_RAW; -sT works unprivileged. */
  technique: ScanTechnique;
  serviceDetection: boolean;
  reverseDns: boolean;
  skipHostDiscovery: boolean;
  hostTimeoutSeconds: number;
  timing: 3 | 4;
  /** NSE scripts to run; each must be in NSE_SCRIPT_ALLOWLIST. */
  scripts?: readonly NseScript[];
  /**
   * Have nmap report its progress (`--stats-every Ns`, read back from the XML's <taskprogress>)
   * every this many seconds, an integer from 1 to MAX_STATS_EVERY_SECONDS. Absent: no progress.
   */
  statsEverySeconds?: number;
}

/**
 * The NSE scripts Driftwatch may run: the ones PCI checks read (TLS versions and ciphers, the
 * certificate, SSH algorithms and authentication methods, HTTP headers). Anything else is
 * refused, so no user string can name a script (or a path to one).
 */
export const NSE_SCRIPT_ALLOWLIST = [
  'ssl-enum-ciphers',
  'ssl-cert',
  'ssh2-enum-algos',
  'ssh-auth-methods',
  'http-headers',
] as const;
export type NseScript = (typeof NSE_SCRIPT_ALLOWLIST)[number];

export function isNseScript(name: unknown): name is NseScript {
  return typeof name === 'string' && (NSE_SCRIPT_ALLOWLIST as readonly string[]).includes(name);
}

export const MAX_HOST_TIMEOUT_SECONDS = 86_400;
export const MAX_STATS_EVERY_SECONDS = 3600;
/** The --stats-every interval the runner uses when progress is asked for without one. */
export const DEFAULT_STATS_EVERY_SECONDS = 5;

const TECHNIQUE_FLAG: Record<ScanTechnique, string> = { syn: '-sS', connect: '-sT' };

/**
 * The complete nmap argument vector for a scan. Every element is a fixed literal or a string
 * built from validated numbers: targets travel over stdin (-iL -), never through argv, so no
 * target or user text can ever be read by nmap as an option.
 *
 * `addressFamily` 'ipv6' adds -6; nmap scans one address family per run.
 */
export function buildNmapArguments(
  options: NmapScanOptions,
  addressFamily: NmapAddressFamily = 'ipv4',
): string[] {
  validateOptions(options, addressFamily);
  const args = [TECHNIQUE_FLAG[options.technique], '-p', formatPortRanges(options.ports)];
  if (options.serviceDetection) args.push('-sV');
  if (!options.reverseDns) args.push('-n');
  if (options.skipHostDiscovery) args.push('-Pn');
  if (addressFamily === 'ipv6') args.push('-6');
  if (options.scripts && options.scripts.length > 0) {
    args.push('--script', [...new Set(options.scripts)].sort().join(','));
  }
  args.push('--host-timeout', `${options.hostTimeoutSeconds}s`, `-T${options.timing}`);
  if (options.statsEverySeconds === undefined) {
    // No runtime interaction: nmap leaves any terminal it finds alone.
    args.push('--noninteractive');
  } else {
    // --noninteractive also switches --stats-every off (nmap_tty.cc keyWasPressed(); nmap issue
    // #3175), so a run that reports progress leaves it out. The runner then starts nmap without
    // a controlling terminal (see nmapIsInteractive), so there is still no terminal to take.
    args.push('--stats-every', `${options.statsEverySeconds}s`);
  }
  args.push('-oX', '-', '-iL', '-');
  return args;
}

/**
 * Whether nmap would enable runtime interaction for these arguments (no --noninteractive): it
 * then opens /dev/tty and, if it is in the terminal's foreground process group, switches the
 * terminal to raw mode and reads keys from it. The runner starts such a run in a new session.
 */
export function nmapIsInteractive(args: readonly string[]): boolean {
  return !args.includes('--noninteractive');
}

function validateOptions(options: NmapScanOptions, addressFamily: NmapAddressFamily): void {
  const fields: FieldError[] = [];
  // Values may arrive from untyped JSON; check at runtime whatever the static type says.
  const raw = options as unknown as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null)
    throw DriftwatchError.validation([{ field: 'options', reason: 'must be an object' }]);

  if (!Array.isArray(raw.ports) || raw.ports.length === 0) {
    fields.push({ field: 'ports', reason: 'must be a non-empty list of port ranges' });
  } else {
    (raw.ports as unknown[]).forEach((range, i) => {
      const r = range as Partial<Record<'from' | 'to', unknown>> | null;
      if (typeof r !== 'object' || r === null || !isPort(r.from) || !isPort(r.to) || r.to < r.from) {
        fields.push({
          field: `ports[${i}]`,
          reason: `must be {from, to} with integers 1..${MAX_PORT} and from <= to`,
        });
      }
    });
  }
  if (raw.scripts !== undefined) {
    if (!Array.isArray(raw.scripts))
      fields.push({ field: 'scripts', reason: 'must be a list of script names' });
    else
      (raw.scripts as unknown[]).forEach((name, i) => {
        if (!isNseScript(name)) {
          fields.push({
            field: `scripts[${i}]`,
            reason: `must be one of ${NSE_SCRIPT_ALLOWLIST.join(', ')}`,
          });
        }
      });
  }
  if (raw.technique !== 'syn' && raw.technique !== 'connect') {
    fields.push({ field: 'technique', reason: 'must be "syn" or "connect"' });
  }
  for (const flag of ['serviceDetection', 'reverseDns', 'skipHostDiscovery'] as const) {
    if (typeof raw[flag] !== 'boolean') fields.push({ field: flag, reason: 'must be a boolean' });
  }
  const timeout = raw.hostTimeoutSeconds;
  if (
    typeof timeout !== 'number' ||
    !Number.isInteger(timeout) ||
    timeout < 1 ||
    timeout > MAX_HOST_TIMEOUT_SECONDS
  ) {
    fields.push({
      field: 'hostTimeoutSeconds',
      reason: `must be an integer from 1 to ${MAX_HOST_TIMEOUT_SECONDS}`,
    });
  }
  if (raw.timing !== 3 && raw.timing !== 4) fields.push({ field: 'timing', reason: 'must be 3 or 4' });
  const statsEvery = raw.statsEverySeconds;
  if (
    statsEvery !== undefined &&
    (typeof statsEvery !== 'number' ||
      !Number.isInteger(statsEvery) ||
      statsEvery < 1 ||
      statsEvery > MAX_STATS_EVERY_SECONDS)
  ) {
    fields.push({
      field: 'statsEverySeconds',
      reason: `must be an integer from 1 to ${MAX_STATS_EVERY_SECONDS}`,
    });
  }
  if (addressFamily !== 'ipv4' && addressFamily !== 'ipv6') {
    fields.push({ field: 'addressFamily', reason: 'must be "ipv4" or "ipv6"' });
  }
  if (fields.length > 0) throw DriftwatchError.validation(fields);
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PORT;
}

import ipaddr from 'ipaddr.js';

import { addressWithinNetworks, type Network, parseNetwork } from '@driftwatch/core';

import { destinationProblem } from './webhook-destination';

/** Loopback hosts may always be reached over plain http. */
const LOOPBACK = ['localhost', '127.0.0.0/8', '::1/128'];
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/**
 * Why a webhook URL is refused, or null when it is acceptable: an absolute http(s) URL without
 * credentials, https unless its host is loopback or listed in WEBHOOK_ALLOW_HTTP_HOSTS (host names,
 * addresses or CIDRs), and whose host, when it is an address or "localhost", is one webhooks may
 * reach (destinationProblem). A name is judged again on every delivery, by what it resolves to.
 */
export function webhookUrlProblem(
  raw: string,
  allowHttpHosts: readonly string[],
  allowedNetworks: readonly Network[],
): string | null {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) return `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not contain credentials (user:password@)';
  if (url.protocol === 'http:' && !hostAllowed(url.hostname, [...LOOPBACK, ...allowHttpHosts]))
    return 'must use https (plain http is allowed only for loopback hosts and WEBHOOK_ALLOW_HTTP_HOSTS)';
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const address = host === 'localhost' || host.endsWith('.localhost') ? '127.0.0.1' : host;
  if (ipaddr.isValid(address)) {
    const problem = destinationProblem(address, allowedNetworks);
    if (problem) return `must not point at ${problem}`;
  }
  return null;
}

function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  // URL keeps IPv6 hosts in brackets: [::1].
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const networks = [];
  for (const entry of allowed) {
    if (entry.toLowerCase() === host) return true;
    try {
      networks.push(parseNetwork(entry));
    } catch {
      // a host name, compared above
    }
  }
  return addressWithinNetworks(host, networks);
}

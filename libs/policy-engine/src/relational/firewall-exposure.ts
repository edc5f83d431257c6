import { firewallExposure, type FirewallFacts, firewallVerdict } from '@driftwatch/config-state';
import type { HostObservation, PortObservation, RuleResult } from '@driftwatch/core';

import { conditionEvidence } from '../evidence';
import { canonicalAddress } from '../policy-context';
import type { PreparedEvaluation, RelationalRule } from '../policy.model';
import { addressOf } from '../prepare-evaluation';
import { ruleResult } from '../rule-result';

export interface FirewallExposureParams {
  /**
   * reachable-but-blocked: the scan reached an open port the ruleset says it drops (something
   * bypasses the firewall, or the ruleset collected is not the one in force);
   * allowed-but-unreachable: the ruleset lets the vantage in, but the port answered nothing
   * (filtered): the documented exposure and the real one differ;
   * allows-ports: the ruleset itself lets some source open one of `ports` (e.g. telnet), whatever
   * a scan saw: a candidate ruleset is judged before it is applied.
   */
  check: 'reachable-but-blocked' | 'allowed-but-unreachable' | 'allows-ports';
  /** allows-ports: "tcp/23" keys no source may be allowed to open. */
  ports?: string[];
}

export const FIREWALL_EXPOSURE_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['check'],
  properties: {
    check: { enum: ['reachable-but-blocked', 'allowed-but-unreachable', 'allows-ports'] },
    ports: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: {
        type: 'string',
        pattern:
          '^(tcp|udp|sctp)/([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$',
      },
    },
  },
  if: { properties: { check: { const: 'allows-ports' } } },
  then: { required: ['ports'] },
  else: { not: { required: ['ports'] } },
} as const;

const FIREWALL_KINDS: ReadonlySet<string> = new Set(['iptables-save', 'nft-ruleset']);
const JUDGED_PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp']);

/**
 * 1.2.1, 1.3.1, 1.3.2: a firewall ruleset compared with what the scan observed through it. The
 * scan ran from the scope's vantage zone, so its packets came from that zone's networks. A
 * ruleset collected on a scanned host (its asset is the host's address) filters on its input
 * hook; any other ruleset is a router's, which filters the scan's traffic to hosts outside the
 * vantage zone on its forward hook. Only ports the scan listed are judged, and only where the
 * ruleset's verdict is certain for all of the vantage's networks.
 */
export function firewallExposureRule(rule: RelationalRule): (prepared: PreparedEvaluation) => RuleResult[] {
  const { check, ports } = rule.params as unknown as FirewallExposureParams;
  if (check === 'allows-ports') return allowedPortsRule(rule, ports ?? []);
  return (prepared) => {
    const vantage = prepared.context.zones.find((z) => z.name === prepared.input.snapshot.scope.vantage);
    if (!vantage || vantage.networks.length === 0) return [];
    const results: RuleResult[] = [];
    for (const subject of prepared.subjectsOf('config')) {
      const document = subject.document;
      // The startup configuration is not what filtered the scan; 1.2.8 compares it.
      if (!document || !FIREWALL_KINDS.has(document.kind) || document.tag === 'startup') continue;
      const facts = document.facts as unknown as FirewallFacts;
      const firewallAt = canonicalAddress(document.asset) ?? document.asset;
      for (const host of prepared.input.snapshot.hosts) {
        if (host.status !== 'up') continue;
        const address = addressOf(host);
        const hook = address === firewallAt ? 'input' : 'forward';
        if (hook === 'forward' && prepared.placement(address).zone?.name === vantage.name) continue;
        for (const port of host.ports) {
          if (!JUDGED_PROTOCOLS.has(port.protocol)) continue;
          const reached = port.state === 'open';
          const silent = port.state === 'filtered' || port.state === 'open|filtered';
          if (check === 'reachable-but-blocked' ? !reached : !silent) continue;
          const verdict = unanimous(facts, vantage.networks, hook, address, port);
          if (!verdict) continue;
          const contradicts =
            check === 'reachable-but-blocked' ? verdict.action !== 'accept' : verdict.action === 'accept';
          if (!contradicts) continue;
          results.push(
            finding(rule, prepared, host, port, { firewall: document.asset, hook, vantage, verdict }),
          );
        }
      }
    }
    return results;
  };
}

interface Unanimous {
  action: 'accept' | 'drop' | 'reject';
  decidedBy: string;
  /** Set when the verdict holds only if the traffic crossed the interfaces the rules name. */
  assumption?: string;
}

// A router's rules usually pair interfaces with the zones' networks; Driftwatch knows the networks
// but not which interface faces them. Failing a certain verdict, it assumes the traffic crossed the
// interfaces the rules name, and says so in the finding.
const INTERFACE_ASSUMPTION = 'the traffic crossed the interfaces the rules name';

/** The ruleset's verdict for new connections from every vantage network, when certain and the same. */
function unanimous(
  facts: FirewallFacts,
  networks: readonly string[],
  hook: 'input' | 'forward',
  destination: string,
  port: PortObservation,
): Unanimous | undefined {
  let agreed: Unanimous | undefined;
  for (const source of networks) {
    const packet = {
      hook,
      source,
      destination,
      protocol: port.protocol as 'tcp' | 'udp' | 'sctp',
      port: port.port,
    };
    let verdict = firewallVerdict(facts, packet);
    let assumption: string | undefined;
    if (!verdict.certain) {
      verdict = firewallVerdict(facts, { ...packet, interfaces: 'as-named' });
      assumption = INTERFACE_ASSUMPTION;
    }
    if (!verdict.certain) return undefined;
    const { table, chain, text } = verdict.decidedBy;
    const decidedBy = text !== undefined ? `${table}/${chain}: ${text}` : `${table}/${chain} policy`;
    if (agreed && agreed.action !== verdict.action) return undefined;
    agreed = {
      action: verdict.action,
      decidedBy: agreed?.decidedBy ?? decidedBy,
      ...((agreed?.assumption ?? assumption) !== undefined
        ? { assumption: agreed?.assumption ?? assumption }
        : {}),
    };
  }
  return agreed;
}

function finding(
  rule: RelationalRule,
  prepared: PreparedEvaluation,
  host: HostObservation,
  port: PortObservation,
  found: {
    firewall: string;
    hook: string;
    vantage: { name: string; networks: string[] };
    verdict: Unanimous;
  },
): RuleResult {
  const subject = prepared.subjectAt('service', host, port);
  const detail = {
    firewall: found.firewall,
    hook: found.hook,
    vantage: found.vantage.name,
    sources: found.vantage.networks.join(', '),
    state: port.state,
    action: found.verdict.action,
    decidedBy: found.verdict.decidedBy,
    ...(found.verdict.assumption !== undefined ? { assuming: found.verdict.assumption } : {}),
  };
  return ruleResult(
    rule,
    subject,
    { ...conditionEvidence(subject, []), firewall: detail },
    {
      // One finding per port and ruleset: two firewalls on the path are two contradictions.
      identity: `${subject.portKey ?? 'host'} via ${found.firewall}`,
      detail,
    },
  );
}

const HOOKS = ['input', 'forward'] as const;
// Sources named in a finding; the evidence keeps them all.
const MAX_NAMED_SOURCES = 5;

/**
 * allows-ports: each firewall ruleset in force (or a dry run's candidate) against a list of ports
 * no one may open, on its input hook (the host itself) and its forward hook (what it routes). The
 * exposure analysis is exact, so a port allowed only from some networks is found too.
 */
function allowedPortsRule(
  rule: RelationalRule,
  ports: readonly string[],
): (prepared: PreparedEvaluation) => RuleResult[] {
  const forbidden = ports.map((key) => {
    const [protocol, number] = key.split('/');
    return { key, protocol, port: Number(number) };
  });
  return (prepared) => {
    const results: RuleResult[] = [];
    for (const subject of prepared.subjectsOf('config')) {
      const document = subject.document;
      if (!document || !FIREWALL_KINDS.has(document.kind) || document.tag === 'startup') continue;
      const facts = document.facts as unknown as FirewallFacts;
      for (const hook of HOOKS) {
        const exposure = firewallExposure(facts, hook);
        for (const { key, protocol, port } of forbidden) {
          const entries = exposure.allowed.filter(
            (e) => e.protocol === protocol && e.ports.some((r) => r.from <= port && port <= r.to),
          );
          if (entries.length === 0) continue;
          const sources = [...new Set(entries.flatMap((e) => e.sources))].sort();
          const destinations = [...new Set(entries.flatMap((e) => e.destinations))].sort();
          const detail = {
            firewall: document.asset,
            hook,
            portKey: key,
            sources:
              sources.slice(0, MAX_NAMED_SOURCES).join(', ') +
              (sources.length > MAX_NAMED_SOURCES ? ` and ${sources.length - MAX_NAMED_SOURCES} more` : ''),
          };
          results.push(
            ruleResult(
              rule,
              subject,
              { ...conditionEvidence(subject, []), exposure: { hook, portKey: key, sources, destinations } },
              {
                identity: `${key} ${hook} of ${document.kind}${document.tag ? `:${document.tag}` : ''}`,
                detail,
              },
            ),
          );
        }
      }
    }
    return results;
  };
}

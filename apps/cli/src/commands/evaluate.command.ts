import { parseArgs } from 'node:util';

import { type RuleResult, SEVERITIES, type Severity } from '@driftwatch/core';

import { CliUsageError } from '@driftwatch/cli/cli-error';

import { evaluateOffline, loadPolicy, parsePorts, readContext, readScan } from './offline-evaluation';

export const EVALUATE_USAGE = `driftwatch evaluate --nmap-xml FILE --policy DIR [--context FILE] [--format text|json]
                    [--fail-on ${SEVERITIES.join('|')}] [--vantage ZONE] [--approved-ports 22,443]`;

export const EVALUATE_HELP = `usage: ${EVALUATE_USAGE}

Judges an nmap XML file against a policy folder with no server.
Exit 0 when no finding is at or above --fail-on (or without --fail-on), 1 when one is, 2 on error.

options:
  --nmap-xml FILE           the nmap XML file to judge
  --policy DIR              the policy folder (e.g. policies/pci-dss-v4)
  --context FILE            the policy context (YAML or JSON): zones, roles, inventory, flows
  --format text|json        one block per finding, or one JSON document (default text)
  --fail-on SEVERITY        exit 1 on a finding at or above ${SEVERITIES.join(', ')}
  --vantage ZONE            the zone the scan ran from (default "default")
  --approved-ports PORTS    ports with an approved business need: decimal numbers 1-65535, comma-separated
  -h, --help                print this help`;

const FORMATS = ['text', 'json'] as const;

/**
 * `evaluate`: judges an nmap XML file against a policy folder with no server. Exit 0 when no
 * finding is at or above --fail-on (or no --fail-on), 1 when one is, 2 on any error.
 */
export async function evaluateCommand(args: string[], out: (s: string) => void, now: Date): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'nmap-xml': { type: 'string' },
      policy: { type: 'string' },
      context: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string' },
      vantage: { type: 'string', default: 'default' },
      'approved-ports': { type: 'string', default: '' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0)
    throw new CliUsageError(
      `evaluate: unexpected argument ${JSON.stringify(positionals[0])}\nusage: ${EVALUATE_USAGE}`,
    );
  const xmlFile = values['nmap-xml'];
  const policyDir = values.policy;
  if (!xmlFile || !policyDir)
    throw new CliUsageError(`evaluate: --nmap-xml and --policy are required\nusage: ${EVALUATE_USAGE}`);
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format))
    throw new CliUsageError(`evaluate: --format must be text or json, not ${JSON.stringify(values.format)}`);
  const failOn = values['fail-on'];
  if (failOn !== undefined && !SEVERITIES.includes(failOn as Severity))
    throw new CliUsageError(
      `evaluate: --fail-on must be one of ${SEVERITIES.join(', ')}, not ${JSON.stringify(failOn)}`,
    );
  const approvedPorts = parsePorts(values['approved-ports'], 'evaluate');

  const policy = loadPolicy(policyDir);
  const context = values.context ? readContext(values.context) : undefined;
  const scan = await readScan(xmlFile);
  const evaluation = evaluateOffline({
    policy,
    scan,
    ...(context ? { context } : {}),
    vantage: values.vantage,
    approvedPorts,
    now,
  });
  const findings = evaluation.results.map(toFinding);
  if (format === 'json') {
    out(
      JSON.stringify(
        {
          policy: { name: evaluation.policy, version: evaluation.policyVersion },
          evaluatedAt: evaluation.evaluatedAt,
          findings,
        },
        null,
        2,
      ),
    );
  } else {
    for (const f of findings) {
      const where = f.port === undefined ? f.address : `${f.address} ${f.protocol}/${f.port}`;
      out(
        `${f.severity.toUpperCase().padEnd(8)} ${where}  ${f.ruleId} [${f.requirements.join(', ')}]\n         ${f.message}`,
      );
    }
    out(
      `${findings.length} finding(s) from ${policy.ruleCount} rules (policy ${evaluation.policy} ${evaluation.policyVersion.slice(0, 12)})`,
    );
  }
  if (failOn === undefined) return 0;
  const threshold = SEVERITIES.indexOf(failOn as Severity);
  return findings.some((f) => SEVERITIES.indexOf(f.severity) <= threshold) ? 1 : 0;
}

function toFinding(r: RuleResult) {
  return {
    ruleId: r.ruleId,
    // Requirement numbers as PCI DSS cites them ("2.2.7"); the policy names the standard.
    requirements: r.requirements.map((q) => q.split(' ').pop() ?? q),
    severity: r.severity,
    address: r.asset,
    ...(r.port === undefined ? {} : { port: r.port, protocol: r.protocol }),
    message: r.message,
    ...(r.remediation === undefined ? {} : { remediation: r.remediation }),
    evidence: r.evidence,
  };
}

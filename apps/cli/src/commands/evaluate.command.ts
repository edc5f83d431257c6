import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

import { DriftwatchError, errorChain, type RuleResult, SEVERITIES, type Severity } from '@driftwatch/core';
import { parseNmapXml } from '@driftwatch/nmap';
import { withPortFacts } from '@driftwatch/nmap/facts';
import { evaluate, parsePolicyContext, type PolicyContext } from '@driftwatch/policy-engine';

import { CliUsageError } from '@driftwatch/cli/cli-error';

import { formatPolicyProblem, lintPolicyDir } from './policy-files';

export const EVALUATE_USAGE = `driftwatch evaluate --nmap-xml FILE --policy DIR [--context FILE] [--format text|json]
                    [--fail-on ${SEVERITIES.join('|')}] [--vantage ZONE] [--approved-ports 22,443]`;

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
  const approvedPorts = parsePorts(values['approved-ports']);

  const report = lintPolicyDir(policyDir);
  if (!report.policy)
    throw new CliUsageError(
      `invalid policy ${policyDir}:\n${report.problems.map(formatPolicyProblem).join('\n')}`,
    );
  const context = values.context ? readContext(values.context) : undefined;
  const scan = await readScan(xmlFile);

  const evaluation = evaluate(report.policy, {
    // TLS, SSH and HTTP rules read the facts derived from NSE output, as for a stored snapshot.
    snapshot: {
      scope: { id: 'cli', vantage: values.vantage, approvedPorts },
      hosts: withPortFacts(scan.hosts),
    },
    ...(context ? { context } : {}),
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
      `${findings.length} finding(s) from ${report.policy.ruleCount} rules (policy ${evaluation.policy} ${evaluation.policyVersion.slice(0, 12)})`,
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

function parsePorts(text: string): number[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const port = Number(part.trim());
    if (!Number.isInteger(port) || port < 0 || port > 65535 || part.trim() === '')
      throw new CliUsageError(
        `evaluate: --approved-ports: ${JSON.stringify(part)} is not a port number (0-65535)`,
      );
    return port;
  });
}

function readContext(file: string): PolicyContext {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'), { prettyErrors: false });
  } catch (error: unknown) {
    throw new CliUsageError(`cannot read the context ${file}: ${errorChain(error)}`);
  }
  try {
    return parsePolicyContext(document);
  } catch (error: unknown) {
    if (error instanceof DriftwatchError) throw new CliUsageError(`${file}: ${error.message}`);
    throw error;
  }
}

async function readScan(file: string) {
  let xml: Buffer;
  try {
    xml = readFileSync(file);
  } catch (error: unknown) {
    throw new CliUsageError(`cannot read ${file}: ${errorChain(error)}`);
  }
  try {
    return await parseNmapXml(Readable.from([xml]));
  } catch (error: unknown) {
    throw new CliUsageError(`${file}: ${errorChain(error)}`);
  }
}

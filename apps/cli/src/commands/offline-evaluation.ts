import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parse as parseYaml } from 'yaml';

import { DriftwatchError, errorChain, type NetworkObservation } from '@driftwatch/core';
import { parseNmapXml } from '@driftwatch/nmap';
import { withPortFacts } from '@driftwatch/nmap/facts';
import {
  type CompiledPolicy,
  evaluate,
  type Evaluation,
  parsePolicyContext,
  type PolicyContext,
} from '@driftwatch/policy-engine';

import { CliUsageError } from '@driftwatch/cli/cli-error';
import { portList } from '@driftwatch/cli/numeric-option';

import { formatPolicyProblem, lintPolicyDir } from './policy-files';

/**
 * An nmap XML file judged against a policy folder with no server: shared by `evaluate` and the
 * offline `gate`, so both read files, report bad input and judge alike.
 */
export interface OfflineInput {
  policy: CompiledPolicy;
  scan: NetworkObservation;
  context?: PolicyContext;
  vantage: string;
  approvedPorts: number[];
  now: Date;
}

export function evaluateOffline(input: OfflineInput): Evaluation {
  return evaluate(input.policy, {
    // TLS, SSH and HTTP rules read the facts derived from NSE output, as for a stored snapshot.
    snapshot: {
      scope: { id: 'cli', vantage: input.vantage, approvedPorts: input.approvedPorts },
      hosts: withPortFacts(input.scan.hosts),
    },
    ...(input.context ? { context: input.context } : {}),
    now: input.now,
  });
}

/** A policy folder whose every rule file is valid; any problem is a usage error listing them all. */
export function loadPolicy(dir: string): CompiledPolicy {
  const report = lintPolicyDir(dir);
  if (!report.policy)
    throw new CliUsageError(`invalid policy ${dir}:\n${report.problems.map(formatPolicyProblem).join('\n')}`);
  return report.policy;
}

/** `--approved-ports` "22,443" → [22, 443]; `command` names the command in the message. */
export function parsePorts(text: string, command: string): number[] {
  return portList(text, 'approved-ports', (reason) => {
    throw new CliUsageError(`${command}: ${reason}`);
  });
}

export function readContext(file: string): PolicyContext {
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

export async function readScan(file: string): Promise<NetworkObservation> {
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

import { type GateFinding, type GateResult, SEVERITIES } from '@driftwatch/core';
import { flatText, gateJUnit, gateMarkdown, gateSarif } from '@driftwatch/export';

export const GATE_FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown'] as const;
export type GateFormat = (typeof GATE_FORMATS)[number];

/** The verdict in the chosen format; `baseUrl` (the API) makes Markdown evidence links absolute. */
export function renderGate(result: GateResult, format: GateFormat, baseUrl?: string): string {
  switch (format) {
    case 'json':
      return JSON.stringify(result, null, 2);
    case 'sarif':
      return JSON.stringify(gateSarif(result), null, 2);
    case 'junit':
      return gateJUnit(result);
    case 'markdown':
      return gateMarkdown(result, baseUrl === undefined ? {} : { baseUrl });
    case 'text':
      return gateText(result);
  }
}

/**
 * One line for a CI log, e.g. when the report itself went to a file. Every value that can come
 * from a scanned host or a user (names, messages, reasons) is flattened onto its line.
 */
export function verdictLine(result: GateResult): string {
  const reasons = result.reasons.map(flatText);
  return `gate ${result.verdict === 'pass' ? 'PASSED' : 'FAILED'} for ${flatText(result.scope.name)}: ${result.blocking.length} blocking finding(s) at or above ${result.failOn}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`;
}

/** A short human summary: verdict, reasons, counts, then each blocking finding on one line. */
export function gateText(result: GateResult): string {
  const lines = [
    `${result.verdict.toUpperCase()}  ${flatText(result.scope.name)} (${result.scope.id})  fail-on ${result.failOn}, mode ${result.mode}${result.dryRun ? ', dry run' : ''}`,
    ...result.reasons.map((r) => `  reason: ${flatText(r)}`),
    `counts: ${SEVERITIES.map((s) => `${s} ${result.counts[s] ?? 0}`).join(', ')}; excepted ${result.excepted}`,
  ];
  if (result.blocking.length > 0) lines.push('blocking:', ...result.blocking.map(findingLine));
  const snapshot = result.snapshot
    ? `snapshot ${result.snapshot.id} taken ${result.snapshot.takenAt}`
    : 'no snapshot';
  lines.push(flatText(`policy ${result.policy.name} ${result.policy.version.slice(0, 12)}; ${snapshot}`));
  return lines.join('\n');
}

function findingLine(f: GateFinding): string {
  // Requirement numbers as PCI DSS cites them ("2.2.7"); the policy names the standard.
  const requirements = f.requirements.map((q) => q.split(' ').pop() ?? q).join(', ');
  const line = `[${requirements}] ${f.asset} ${f.subject}  ${f.ruleId}: ${f.message}`;
  return `  ${f.severity.toUpperCase().padEnd(8)} ${flatText(line)}`;
}

import type { FindingResponseDto } from '@driftwatch/application';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

/** The console summary printed by `npm start`. Plain text for people, not logs. */
export function formatFindingsSummary(findings: readonly FindingResponseDto[]): string {
  if (findings.length === 0) return '  no open findings\n';
  const sorted = [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      a.asset.localeCompare(b.asset) ||
      a.subject.localeCompare(b.subject, undefined, { numeric: true }),
  );
  return sorted
    .map(
      (f) =>
        `  ${f.severity.toUpperCase().padEnd(8)} ${f.asset} ${f.subject.padEnd(9)} ${f.ruleId}\n           ${f.message}\n`,
    )
    .join('');
}

import type { Severity } from './severity';

/** One rule failing for one subject of a snapshot, as the policy engine reports it. */
export interface RuleResult {
  ruleId: string;
  title: string;
  requirements: string[];
  severity: Severity;
  /** The asset the result is about: a host address. */
  asset: string;
  /** What on the asset it is about, e.g. "tcp/23". Part of the finding's identity. */
  subject: string;
  message: string;
  remediation?: string;
  evidence: Record<string, unknown>;
}

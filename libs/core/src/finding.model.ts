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
  /** The port the result is about, for port-level subjects. */
  port?: number;
  protocol?: string;
  message: string;
  remediation?: string;
  /**
   * Why the rule failed: the subject's identifying facts, the failing facts (JSON pointer into
   * the subject and the value found there) and the nmap XML fragment they were read from.
   * The policy engine builds it when first read, through an accessor its JSON form includes:
   * read it by name or serialise the result; a spread or structuredClone copy leaves it out.
   */
  evidence: Record<string, unknown>;
}

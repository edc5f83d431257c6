import type { HostObservation, PortObservation, Severity } from '@driftwatch/core';

/** The folder name of the shipped PCI DSS v4.0.1 pack under policies/. */
export const DEFAULT_POLICY_DIR_NAME = 'pci-dss-v4';

export type RuleSubjectKind = 'port';

/** One rule as written in its file, plus where it came from. */
export interface PolicyRule {
  id: string;
  title: string;
  requirements: string[];
  severity: Severity;
  subject: RuleSubjectKind;
  /** JSON Schema over the subject: the rule fails for a subject this schema validates. */
  when: object;
  /** Template with {{dot.path}} placeholders resolved against the subject. */
  message: string;
  remediation?: string;
  fixtures: { pass: unknown[]; fail: unknown[] };
  /** File path the rule was read from; not part of the policy version. */
  source: string;
}

export interface PolicyPack {
  name: string;
  rules: PolicyRule[];
}

export interface ScopeContext {
  id: string;
  approvedPorts: number[];
}

/** What a 'port' rule condition sees. */
export interface PortSubject {
  address: string;
  host: HostObservation;
  port: PortObservation;
  scope: ScopeContext;
}

export interface EvaluationInput {
  scope: ScopeContext;
  hosts: HostObservation[];
}

export interface CompiledRule {
  readonly rule: PolicyRule;
  /** True when the rule fails for the subject (its `when` schema validates it). */
  readonly matches: (subject: PortSubject) => boolean;
}

export interface CompiledPolicy {
  readonly name: string;
  /** sha256 of the canonical JSON of the rules (sorted by id, without `source`). */
  readonly version: string;
  readonly ruleCount: number;
  readonly rules: readonly CompiledRule[];
}

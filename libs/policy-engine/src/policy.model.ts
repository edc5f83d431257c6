import type {
  HostObservation,
  HttpFacts,
  PortObservation,
  RuleResult,
  Severity,
  SshFacts,
  TlsFacts,
} from '@driftwatch/core';
import type { ValidateFunction } from 'ajv';
import type { Change } from '@driftwatch/drift';
import type { ConfigDocumentFacts, PolicyContext, ZoneView, DeclaredAsset, RoleView } from './policy-context';
import type { Probe, WhereGuard } from './where-guard';

/** The folder name of the shipped PCI DSS v4.0.1 pack under policies/. */
export const DEFAULT_POLICY_DIR_NAME = 'pci-dss-v4';

/** What a condition rule looks at, one subject at a time. */
export const SUBJECT_KINDS = ['host', 'service', 'tls', 'ssh', 'http', 'change', 'config'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** Relational rules are implemented in code; the rule file gives their parameters. */
export const RELATIONAL_KINDS = [
  'reachability',
  'inventory',
  'approved-change',
  'coverage',
  'config-pair',
  'firewall-exposure',
] as const;
export type RelationalKind = (typeof RELATIONAL_KINDS)[number];
export type RuleKind = 'condition' | RelationalKind;

interface RuleCommon {
  id: string;
  title: string;
  description?: string;
  requirements: string[];
  severity: Severity;
  /** Template with {{dot.path}} placeholders resolved against the subject. */
  message: string;
  remediation?: string;
  fixtures: { pass: unknown[]; fail: unknown[]; unjudged?: unknown[] };
  /** File path the rule was read from; not part of the policy version. */
  source: string;
}

/** A rule written as data: subjects selected by `where` must satisfy `expect`. */
export interface ConditionRule extends RuleCommon {
  kind?: 'condition';
  subject: SubjectKind;
  /** JSON Schema selecting the subjects the rule judges; absent means all of its kind. */
  where?: object | boolean;
  /** JSON Schema every selected subject must satisfy; a subject that does not is a finding. */
  expect: object | boolean;
  /**
   * JSON Schema of the facts the rule needs to judge a selected subject (unjudged.ts): without
   * them an open finding for the subject is neither seen nor resolved.
   */
  evidence?: object | boolean;
}

export interface RelationalRule extends RuleCommon {
  kind: RelationalKind;
  params: Record<string, unknown>;
}

export type PolicyRule = ConditionRule | RelationalRule;

export interface PolicyPack {
  name: string;
  rules: PolicyRule[];
}

/** The scope a snapshot belongs to, as rules see it. */
export interface ScopeView {
  id: string;
  /** The network zone the scan ran from (the scope's vantage). */
  vantage: string;
  /** Ports approved scope-wide, by number (any protocol). */
  approvedPorts: number[];
  /** The scope's target networks; inventory and coverage rules judge declared assets inside them. */
  targets?: string[];
}

/** The snapshot being judged: plain data, as the core model holds it. */
export interface SnapshotInput {
  scope: ScopeView;
  hosts: HostObservation[];
  /** Targets the scan could not cover (failed shards): an incomplete snapshot. */
  missingTargets?: string[];
  takenAt?: string;
  id?: string;
}

export interface EvaluationInput {
  snapshot: SnapshotInput;
  /** Changes to judge: those since the previous snapshot, or a window the caller chooses. */
  changes?: DetectedChange[];
  context?: Partial<PolicyContext>;
  /** Configuration documents of the scope's assets (issue: config snapshots). */
  documents?: ConfigDocumentFacts[];
  now: Date;
}

/** A change with the time it was detected (the newer snapshot's time); defaults to the snapshot's. */
export type DetectedChange = Change & { detectedAt?: string };

/** What a condition rule's `where`, `expect` and message see. */
export interface Subject {
  kind: SubjectKind;
  /** The host's primary address (or the document's asset); "unknown" when nmap gave none. */
  address: string;
  host?: HostObservation;
  port?: PortObservation;
  /** "tcp/443": the port's protocol and number, for comparisons with approved port lists. */
  portKey?: string;
  tls?: TlsFacts;
  ssh?: SshFacts;
  http?: HttpFacts;
  change?: DetectedChange;
  document?: ConfigDocumentFacts;
  scope: ScopeView;
  /** The zone whose networks hold the address, when zones are declared. */
  zone?: ZoneView;
  /** The zone the scan ran from (the context's zone named like the scope's vantage), when declared. */
  vantageZone?: ZoneView;
  /** The declared inventory entry for the address, when there is one. */
  asset?: DeclaredAsset;
  /** The declared role of the asset, with its approved ports and services. */
  role?: RoleView;
  /** Ports approved for this subject: scope, zone and role lists, as "tcp/443" keys. */
  approvedPorts: string[];
  /** Evaluation time, ISO 8601: date keywords compare against it. */
  now: string;
  /** Config subjects only: the context's designated time servers, for time-sync rules. */
  timeSources?: string[];
}

export interface CompiledRule {
  readonly rule: PolicyRule;
  readonly kind: RuleKind;
  /** Findings of this rule for one evaluation. */
  readonly run: (prepared: PreparedEvaluation) => RuleResult[];
}

/** A condition rule ready to judge one subject at a time. */
export interface CompiledCondition {
  readonly rule: ConditionRule;
  /** True when the rule judges the subject. */
  readonly selects: (subject: Subject) => boolean;
  /** Necessary conditions of the selector (where-guard.ts), which `selects` checks first. */
  readonly guards: readonly WhereGuard[];
  /** Validates the subject against `expect`; on false its `errors` name the failing facts. */
  readonly expect: ValidateFunction;
  /** `expect` as evaluate calls it, without allocating per call; errors still land on `expect.errors`. */
  readonly holds: (subject: Subject) => boolean;
  /** True when the subject carries the facts `evidence` names (always, for a rule without it). */
  readonly hasEvidence: (subject: Subject) => boolean;
  /**
   * The finding for a subject that failed. It keeps what rebuilds the subject (a reused one is
   * not kept), and builds the evidence when first read, validating the subject again for it.
   */
  readonly result: (subject: Subject, prepared: PreparedEvaluation) => RuleResult;
}

/** A condition rule on ports: service rules judge every open port, tls/ssh/http rules those with such facts. */
export interface PortCondition {
  readonly kind: 'service' | 'tls' | 'ssh' | 'http';
  /** The port member the rule needs (undefined for service rules). */
  readonly fact: 'tls' | 'ssh' | 'http' | undefined;
  /** The rule has no `where`: every port of its kind is judged, with no call to `selects`. */
  readonly selectsAll: boolean;
  readonly condition: CompiledCondition;
}

export interface PortConditionIndex {
  /** The path whose value picks the rules, e.g. port.service.name; undefined when none does. */
  readonly path: readonly string[] | undefined;
  /** Reads `path` from a port subject. */
  readonly read: ((subject: Subject) => Probe) | undefined;
  /** The port rules, in rule id order, that a port with this value at `path` may select. */
  readonly candidates: (value: Probe) => readonly PortCondition[];
}

export interface CompiledPolicy {
  readonly name: string;
  /** Condition rules grouped by subject kind, each list sorted by rule id. */
  readonly conditions: ReadonlyMap<SubjectKind, readonly CompiledCondition[]>;
  /** The host rules, by rule id: one snapshot walk judges them with the port rules. */
  readonly hostConditions: readonly CompiledCondition[];
  /** The rules of every port kind together, by rule id: a port is judged by all of them at once. */
  readonly portConditions: readonly PortCondition[];
  /** portConditions by the value of one path of the port subject (compile-policy.ts). */
  readonly portIndex: PortConditionIndex;
  /** sha256 of the canonical JSON of the rules (sorted by id, without `source`). */
  readonly version: string;
  readonly ruleCount: number;
  readonly rules: readonly CompiledRule[];
}

/** What a snapshot walk calls, in snapshot order: each host, then each of its open ports. */
export interface SnapshotVisitor {
  /** Every host, up or not; the subject's kind is "host". */
  readonly host?: (subject: Subject) => void;
  /** Each open port of a host that is up, right after its host; the subject's kind is "service". */
  readonly port?: (subject: Subject) => void;
}

/** Everything derived once per evaluation and shared by all rules. */
export interface PreparedEvaluation {
  readonly input: EvaluationInput;
  readonly context: PolicyContext;
  readonly now: string;
  /** The subjects of one kind, built on first use and shared by every rule of that kind. */
  readonly subjectsOf: (kind: SubjectKind) => readonly Subject[];
  /**
   * Visits the subjects of one kind without building them all: host and port subjects come
   * through one reused object, so a visitor that keeps one must copy it.
   */
  readonly forEachSubject: (kind: SubjectKind, visit: (subject: Subject) => void) => void;
  /**
   * One pass over the snapshot: each host, then each of its open ports, through one reused
   * subject (see forEachSubject), so every host and port rule judges a port while it is in the cache.
   */
  readonly walk: (visitor: SnapshotVisitor) => void;
  /** A host or port subject built afresh: the subject a walk showed for that host and port. */
  readonly subjectAt: (
    kind: SubjectKind,
    host: HostObservation,
    port: PortObservation | undefined,
  ) => Subject;
  /** Resolves zone, asset and role for an address (memoised). */
  readonly placement: (address: string) => Placement;
}

export interface Placement {
  zone?: ZoneView;
  asset?: DeclaredAsset;
  role?: RoleView;
}

/** A finding's identity as the engine states it: rule, asset and subject (RuleResult's members). */
export interface FindingRef {
  ruleId: string;
  asset: string;
  subject: string;
}

/** The result of one evaluation: what failed, and against which policy version. */
export interface Evaluation {
  policy: string;
  policyVersion: string;
  evaluatedAt: string;
  results: RuleResult[];
}

import type { GateFinding, GateResult, GateRule, Severity } from '@driftwatch/core';

import { byFinding, byText, ruleCatalogue } from './gate-rules';

/** The SARIF release written, and the OASIS schema it validates against (../shared/fixtures/schemas). */
export const SARIF_VERSION = '2.1.0';
export const SARIF_SCHEMA_URI =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** The key of Driftwatch's finding fingerprint among a result's partialFingerprints. */
export const SARIF_FINGERPRINT_KEY = 'driftwatch/v1';

export type SarifLevel = 'none' | 'note' | 'warning' | 'error';

export interface SarifMessage {
  text: string;
  markdown?: string;
}

export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  defaultConfiguration: { level: SarifLevel };
  properties: {
    tags: string[];
    'security-severity': string;
    precision: 'very-high' | 'high' | 'medium' | 'low';
    severity: Severity;
    requirements: string[];
  };
}

export interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
  logicalLocations: { name: string; fullyQualifiedName: string; kind: string }[];
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  kind: 'fail';
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  baselineState?: 'new' | 'unchanged';
  properties: {
    severity: Severity;
    requirements: string[];
    newSinceBaseline: boolean | null;
    blocking: boolean;
    asset: string;
    subject: string;
    port?: number;
    protocol?: string;
    findingId?: string;
    evidenceUrl?: string;
  };
}

/** The gate's judgement, carried in the run so a SARIF consumer can read the verdict too. */
export interface SarifGateProperties {
  verdict: GateResult['verdict'];
  reasons: string[];
  scope: GateResult['scope'];
  failOn: Severity;
  mode: GateResult['mode'];
  dryRun: boolean;
  counts: Record<Severity, number>;
  excepted: number;
  blocking: number;
  policy: GateResult['policy'];
  baseline: GateResult['baseline'];
  snapshot: GateResult['snapshot'];
  judgedAt: string;
}

export interface SarifRun {
  tool: {
    driver: {
      name: 'Driftwatch';
      version?: string;
      informationUri?: string;
      rules: SarifReportingDescriptor[];
    };
  };
  automationDetails: { id: string };
  invocations: { executionSuccessful: true; endTimeUtc: string; properties: SarifGateProperties }[];
  results: SarifResult[];
  properties: { verdict: GateResult['verdict']; reasons: string[] };
}

export interface SarifLog {
  $schema: string;
  version: typeof SARIF_VERSION;
  runs: [SarifRun];
}

export interface GateSarifOptions {
  /** Driftwatch's version, written as tool.driver.version. */
  toolVersion?: string;
  /** An absolute URI where Driftwatch is documented (tool.driver.informationUri). */
  informationUri?: string;
}

/** GitHub code scanning's security-severity scale (CVSS-like, 0.0–10.0) for each severity. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

export function sarifLevel(severity: Severity): SarifLevel {
  switch (severity) {
    case 'critical':
    case 'high':
      return 'error';
    case 'medium':
      return 'warning';
    case 'low':
    case 'info':
      return 'note';
  }
}

/**
 * A SARIF 2.1.0 log of a gate judgement, for GitHub code scanning and other SARIF readers: one
 * run whose rules are every rule of the policy (and any rule a finding names that the policy list
 * lacks) and whose results are every failing, not waived finding considered (blocking or not,
 * told apart by `properties.blocking`). Pure and deterministic: rules sorted by id, results by
 * severity, rule, asset, subject and fingerprint.
 *
 * Location: an asset is a host, not a file, but GitHub code scanning needs
 * `physicalLocation.artifactLocation.uri` on every result, and rejects the whole upload when the
 * URI has any scheme other than `file` ("SARIF URI scheme … did not match the checkout URI scheme
 * file"), so a `driftwatch://…` URI cannot be used. The URI is therefore the scheme-less relative
 * reference `driftwatch/<scope id>/<asset>/<subject>`, each segment percent-encoded (an IPv6
 * address's colons, a subject's slashes), with `region.startLine` 1, which GitHub wants to place
 * an alert (it shows "preview unavailable" for a path not in the repository, and still lists the
 * alert). The asset is named precisely in `logicalLocations` (kind "resource"), and the stable
 * identity is `partialFingerprints["driftwatch/v1"]`, so GitHub matches alerts across runs
 * without hashing a source file.
 */
export function gateSarif(result: GateResult, options: GateSarifOptions = {}): SarifLog {
  const rules = ruleCatalogue(result);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const blocking = new Set(result.blocking.map((f) => f.fingerprint));
  const findings = [...result.findings].sort(byFinding);
  const driver: SarifRun['tool']['driver'] = { name: 'Driftwatch', rules: rules.map(sarifRule) };
  if (options.toolVersion !== undefined) driver.version = options.toolVersion;
  if (options.informationUri !== undefined) driver.informationUri = options.informationUri;
  return {
    $schema: SARIF_SCHEMA_URI,
    version: SARIF_VERSION,
    runs: [
      {
        tool: { driver },
        // GitHub's category: one scope's alerts are not closed by another scope's upload.
        automationDetails: { id: `driftwatch/${result.scope.id}/` },
        invocations: [
          { executionSuccessful: true, endTimeUtc: result.judgedAt, properties: gateProperties(result) },
        ],
        results: findings.map((f) =>
          sarifResult(result, f, ruleIndex.get(f.ruleId) ?? 0, blocking.has(f.fingerprint)),
        ),
        properties: { verdict: result.verdict, reasons: [...result.reasons] },
      },
    ],
  };
}

function sarifRule(rule: GateRule): SarifReportingDescriptor {
  const requirements = [...new Set(rule.requirements)].sort(byText);
  const title = rule.title.trim() === '' ? rule.id : rule.title;
  const remediation = rule.remediation?.trim()
    ? rule.remediation
    : 'No remediation is recorded for this rule.';
  const requirementText =
    requirements.length === 0
      ? 'No PCI DSS requirement is mapped to this rule.'
      : `PCI DSS requirements: ${requirements.join('; ')}.`;
  return {
    id: rule.id,
    name: pascalCase(title) || rule.id,
    shortDescription: { text: title },
    fullDescription: { text: rule.description?.trim() ? rule.description : title },
    help: {
      text: `${remediation}\n\n${requirementText}`,
      markdown: [
        '**Remediation**',
        '',
        markdownText(remediation),
        '',
        '**PCI DSS requirements**',
        '',
        ...(requirements.length === 0 ? ['None mapped.'] : requirements.map((r) => `- ${markdownText(r)}`)),
      ].join('\n'),
    },
    defaultConfiguration: { level: sarifLevel(rule.severity) },
    properties: {
      // "security" makes GitHub treat the rule as a security rule and read security-severity.
      tags: [...new Set(['security', 'pci-dss', ...requirements])].sort(byText),
      'security-severity': SECURITY_SEVERITY[rule.severity],
      // The judgement is exact over what the scan observed; nmap's service identification is
      // the uncertain part, so "high" rather than "very-high".
      precision: 'high',
      severity: rule.severity,
      requirements,
    },
  };
}

function sarifResult(result: GateResult, f: GateFinding, ruleIndex: number, blocking: boolean): SarifResult {
  const message = f.message.trim() === '' ? (f.title.trim() === '' ? f.ruleId : f.title) : f.message;
  const properties: SarifResult['properties'] = {
    severity: f.severity,
    requirements: [...f.requirements],
    newSinceBaseline: f.newSinceBaseline,
    blocking,
    asset: f.asset,
    subject: f.subject,
  };
  if (f.port !== undefined && f.port !== null) properties.port = f.port;
  if (f.protocol !== undefined && f.protocol !== null) properties.protocol = f.protocol;
  if (f.id !== undefined) properties.findingId = f.id;
  if (f.evidenceUrl !== undefined) properties.evidenceUrl = f.evidenceUrl;
  const sarif: SarifResult = {
    ruleId: f.ruleId,
    ruleIndex,
    kind: 'fail',
    level: sarifLevel(f.severity),
    message: { text: message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: sarifAssetUri(result.scope.id, f.asset, f.subject) },
          region: { startLine: 1 },
        },
        logicalLocations: [
          { name: f.asset, fullyQualifiedName: `${f.asset}/${f.subject}`, kind: 'resource' },
        ],
      },
    ],
    partialFingerprints: { [SARIF_FINGERPRINT_KEY]: f.fingerprint },
    properties,
  };
  if (f.newSinceBaseline !== null) sarif.baselineState = f.newSinceBaseline ? 'new' : 'unchanged';
  return sarif;
}

/** `driftwatch/<scope>/<asset>/<subject>`: a relative URI reference, every segment percent-encoded. */
export function sarifAssetUri(scopeId: string, asset: string, subject: string): string {
  return ['driftwatch', scopeId, asset, subject].map(uriSegment).join('/');
}

function uriSegment(segment: string): string {
  // "." and ".." would be removed by URI normalisation; encode their dots.
  if (segment === '.' || segment === '..') return segment.replace(/\./g, '%2E');
  return encodeURIComponent(segment);
}

function gateProperties(result: GateResult): SarifGateProperties {
  return {
    verdict: result.verdict,
    reasons: [...result.reasons],
    scope: result.scope,
    failOn: result.failOn,
    mode: result.mode,
    dryRun: result.dryRun,
    counts: result.counts,
    excepted: result.excepted,
    blocking: result.blocking.length,
    policy: result.policy,
    baseline: result.baseline,
    snapshot: result.snapshot,
    judgedAt: result.judgedAt,
  };
}

function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
}

/** Text placed in SARIF help markdown as plain text: Markdown and HTML metacharacters escaped. */
function markdownText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>&~]/g, (c) => `\\${c}`);
}

import { atOrAbove, type GateFinding, type GateResult, type GateRule } from '@driftwatch/core';

import { byFinding, byText, ruleCatalogue } from './gate-rules';

/** The name of the test suite that carries the gate's own verdict (not a rule id: it has spaces). */
export const JUNIT_GATE_SUITE = 'Driftwatch gate';

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; type: string; body: string };
  skipped?: { message: string; body: string };
}

/**
 * A JUnit XML report of a gate judgement, as GitLab, Jenkins, Azure DevOps and the like read
 * test reports: a <testsuites> holding
 * - a suite "Driftwatch gate" with one test case, "verdict", failing with the gate's reasons when
 *   it failed, so the report fails exactly when the gate does, also for a reason no finding
 *   carries (no snapshot, a stale one);
 * - one suite per rule (name = rule id) with one test case per rule × asset that failed it, and
 *   one passing test case named after the rule when nothing failed it, so passing rules show.
 *
 * A failing finding that does not block (below failOn, or known at the baseline in mode new) is a
 * <skipped> test case whose message says why ("not blocking: …"): every consumer shows skipped
 * cases apart, listed with their message, and none fails the job or marks the build unstable for
 * them, which is what a tolerated, known finding is. A rule × asset with at least one blocking
 * finding is a <failure>, its body listing every finding on that asset. Nothing is an <error>:
 * errors mean the test could not run, and the gate judged every rule.
 *
 * Pure and deterministic: suites sorted by rule id, cases by asset; XML 1.0 escaped, with the
 * characters XML 1.0 forbids removed.
 */
export function gateJUnit(result: GateResult): string {
  const blocking = new Set(result.blocking.map((f) => f.fingerprint));
  const byRule = new Map<string, GateFinding[]>();
  for (const f of result.findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);

  const suites: { name: string; cases: Case[]; properties?: [string, string][] }[] = [
    { name: JUNIT_GATE_SUITE, cases: [verdictCase(result)], properties: gateProperties(result) },
    ...ruleCatalogue(result).map((rule) => ({
      name: rule.id,
      cases: ruleCases(result, rule, byRule.get(rule.id) ?? [], blocking),
    })),
  ];

  const total = { tests: 0, failures: 0, skipped: 0 };
  const body: string[] = [];
  for (const suite of suites) {
    const count = counts(suite.cases);
    total.tests += count.tests;
    total.failures += count.failures;
    total.skipped += count.skipped;
    body.push(
      `  <testsuite${attributes([
        ['name', suite.name],
        ['tests', String(count.tests)],
        ['failures', String(count.failures)],
        ['errors', '0'],
        ['skipped', String(count.skipped)],
        ['time', '0'],
        ['timestamp', result.judgedAt],
      ])}>`,
    );
    if (suite.properties) {
      body.push('    <properties>');
      for (const [name, value] of suite.properties) {
        body.push(
          `      <property${attributes([
            ['name', name],
            ['value', value],
          ])}/>`,
        );
      }
      body.push('    </properties>');
    }
    for (const c of suite.cases) body.push(...testCase(c));
    body.push('  </testsuite>');
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes([
      ['name', `Driftwatch gate: ${result.scope.name}`],
      ['tests', String(total.tests)],
      ['failures', String(total.failures)],
      ['errors', '0'],
      ['skipped', String(total.skipped)],
      ['time', '0'],
      ['timestamp', result.judgedAt],
    ])}>`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
}

function verdictCase(result: GateResult): Case {
  const c: Case = { name: 'verdict', classname: result.scope.name };
  if (result.verdict === 'fail') {
    c.failure = {
      message: `the gate failed: ${result.reasons.join('; ')}`,
      type: 'gate',
      body: result.reasons.map((r) => `- ${r}`).join('\n'),
    };
  }
  return c;
}

function gateProperties(result: GateResult): [string, string][] {
  return [
    ['verdict', result.verdict],
    ['scope.id', result.scope.id],
    ['scope.name', result.scope.name],
    ['mode', result.mode],
    ['failOn', result.failOn],
    ['dryRun', String(result.dryRun)],
    ['policy', `${result.policy.name}@${result.policy.version}`],
    ['baseline.takenAt', result.baseline?.takenAt ?? ''],
    ['snapshot.takenAt', result.snapshot?.takenAt ?? ''],
    ['snapshot.ageSeconds', result.snapshot ? String(result.snapshot.ageSeconds) : ''],
    ['excepted', String(result.excepted)],
  ];
}

function ruleCases(
  result: GateResult,
  rule: GateRule,
  findings: GateFinding[],
  blocking: Set<string>,
): Case[] {
  const classname = result.scope.name;
  if (findings.length === 0) return [{ name: rule.id, classname }];
  const byAsset = new Map<string, GateFinding[]>();
  for (const f of findings) byAsset.set(f.asset, [...(byAsset.get(f.asset) ?? []), f]);
  return [...byAsset.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([asset, onAsset]) => {
      const sorted = [...onAsset].sort(byFinding);
      const blockers = sorted.filter((f) => blocking.has(f.fingerprint));
      const body = sorted.map((f) => findingText(result, f, blocking.has(f.fingerprint))).join('\n\n');
      const c: Case = { name: `${rule.id} on ${asset}`, classname };
      if (blockers.length > 0) {
        c.failure = { message: summary(blockers), type: blockers[0].severity, body };
      } else {
        c.skipped = { message: `not blocking: ${notBlockingReason(result, sorted[0])}`, body };
      }
      return c;
    });
}

function summary(findings: GateFinding[]): string {
  if (findings.length === 1) return `${findings[0].subject}: ${findings[0].message}`;
  return `${findings.length} blocking findings: ${findings.map((f) => f.subject).join(', ')}`;
}

function notBlockingReason(result: GateResult, f: GateFinding): string {
  if (!atOrAbove(f.severity, result.failOn))
    return `${f.severity} is below the gate's fail-on ${result.failOn}`;
  return `known at the baseline${result.baseline ? ` of ${result.baseline.takenAt}` : ''} (mode new)`;
}

function findingText(result: GateResult, f: GateFinding, blocks: boolean): string {
  const lines = [
    `[${f.severity}] ${f.asset} ${f.subject}: ${f.message}`,
    `Rule: ${f.ruleId} (${f.title})`,
    `Requirements: ${f.requirements.length === 0 ? 'none mapped' : f.requirements.join('; ')}`,
    `Blocking: ${blocks ? 'yes' : `no, ${notBlockingReason(result, f)}`}`,
  ];
  if (f.remediation) lines.push(`Remediation: ${f.remediation}`);
  if (f.evidenceUrl) lines.push(`Evidence: ${f.evidenceUrl}`);
  lines.push(`Fingerprint: ${f.fingerprint}`);
  return lines.join('\n');
}

function counts(cases: Case[]): { tests: number; failures: number; skipped: number } {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    skipped: cases.filter((c) => c.skipped).length,
  };
}

function testCase(c: Case): string[] {
  const open = `    <testcase${attributes([
    ['name', c.name],
    ['classname', c.classname],
    ['time', '0'],
  ])}`;
  if (c.failure) {
    return [
      `${open}>`,
      `      <failure${attributes([
        ['message', c.failure.message],
        ['type', c.failure.type],
      ])}>${xmlText(c.failure.body)}</failure>`,
      '    </testcase>',
    ];
  }
  if (c.skipped) {
    return [
      `${open}>`,
      `      <skipped${attributes([['message', c.skipped.message]])}>${xmlText(c.skipped.body)}</skipped>`,
      '    </testcase>',
    ];
  }
  return [`${open}/>`];
}

// XML 1.0 §2.2 Char: tab, LF, CR and U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. With the
// `u` flag a lone surrogate is one code point outside these ranges, so it is removed too.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Character data: forbidden characters removed, markup characters escaped, CR kept as a reference. */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** An attribute value: as text, plus quotes, and whitespace as references so it survives normalisation. */
export function xmlAttribute(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

function attributes(pairs: [string, string][]): string {
  return pairs.map(([name, value]) => ` ${name}="${xmlAttribute(value)}"`).join('');
}

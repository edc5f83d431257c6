import { resolve } from 'node:path';

import Ajv from 'ajv';

import { builtInHandler, CONFIG_KINDS, type ConfigKind } from '@driftwatch/config-state';
import {
  compilePolicy,
  DEFAULT_POLICY_DIR_NAME,
  loadPolicyPack,
  testPolicy,
} from '@driftwatch/policy-engine';

// The shipped pack, found from the repository root like any deployment would pass it in.
const PACK_DIR = resolve(__dirname, '..', '..', '..', 'policies', DEFAULT_POLICY_DIR_NAME);

// The requirements the pack must cover (issue: the policy engine and the PCI DSS v4.0.1 pack).
const REQUIRED = [
  '1.2.5',
  '1.2.6',
  '1.3.1',
  '1.3.2',
  '1.4.2',
  '1.4.4',
  '2.2.4',
  '2.2.5',
  '2.2.7',
  '4.2.1',
  '8.3.2',
  '10.7',
  '11.3.1',
  '11.4.5',
  '12.5.1',
  // Configuration state (issue: config snapshots): firewall rulesets, running vs saved, sshd,
  // password length, audit logging, time synchronisation and stored card data.
  '1.2.1',
  '1.2.8',
  '8.3.6',
  '10.2.1',
  '10.6.1',
  '10.6.2',
  '3.2.1',
];

describe('the shipped PCI DSS v4.0.1 pack', () => {
  const pack = loadPolicyPack(PACK_DIR);
  const policy = compilePolicy(pack);

  it('compiles every rule file, named after its folder, into a versioned policy', () => {
    expect(policy.name).toBe(DEFAULT_POLICY_DIR_NAME);
    expect(policy.ruleCount).toBe(pack.rules.length);
    expect(policy.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails every must-fail fixture, passes every must-pass fixture and leaves every must-stay-unjudged one unjudged', () => {
    const outcomes = testPolicy(policy);
    expect(outcomes.filter((o) => !o.ok).map((o) => `${o.ruleId}: ${o.problem}`)).toEqual([]);
    for (const { rule } of policy.rules) {
      expect(outcomes.some((o) => o.ruleId === rule.id && o.expectation === 'fail')).toBe(true);
      expect(outcomes.some((o) => o.ruleId === rule.id && o.expectation === 'pass')).toBe(true);
    }
  });

  // A rule reading NSE script facts must show that a timed-out or failed script leaves its
  // findings open, not resolved (they used to resolve and reopen at the next good scan).
  it('gives every rule that names its evidence fixtures it must leave unjudged', () => {
    const withEvidence = policy.rules.filter(({ rule }) => 'evidence' in rule).map(({ rule }) => rule.id);
    const withFixtures = policy.rules
      .filter(({ rule }) => (rule.fixtures.unjudged ?? []).length > 0)
      .map(({ rule }) => rule.id);
    expect(withEvidence.length).toBeGreaterThanOrEqual(15);
    expect(withFixtures).toEqual(expect.arrayContaining(withEvidence));
  });

  it('holds at least 30 rules covering the required PCI DSS v4.0.1 requirements', () => {
    expect(policy.ruleCount).toBeGreaterThanOrEqual(30);
    const cited = new Set(
      pack.rules.flatMap((r) => r.requirements.map((q) => q.replace('PCI DSS v4.0.1 ', ''))),
    );
    const covers = (id: string) => [...cited].some((c) => c === id || c.startsWith(`${id}.`));
    expect(REQUIRED.filter((id) => !covers(id))).toEqual([]);
  });

  it('cites PCI DSS v4.0.1 requirement ids in every rule, and names its file after the first', () => {
    for (const rule of pack.rules) {
      expect(rule.requirements.length).toBeGreaterThan(0);
      for (const requirement of rule.requirements)
        expect(requirement).toMatch(/^PCI DSS v4\.0\.1 \d+(\.\d+)+$/);
      expect(rule.id.startsWith('pci-dss-v4.')).toBe(true);
    }
  });

  it("writes every fixture's config documents in the shape their kind's parser produces", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const problems: string[] = [];
    for (const rule of pack.rules) {
      for (const fixture of [...rule.fixtures.pass, ...rule.fixtures.fail]) {
        const documents = (fixture as { documents?: { kind: string; facts: unknown }[] }).documents ?? [];
        for (const { kind, facts } of documents) {
          if (!(CONFIG_KINDS as readonly string[]).includes(kind) || kind === 'json') {
            problems.push(`${rule.id}: unknown document kind ${kind}`);
            continue;
          }
          const validate = ajv.compile(builtInHandler(kind as Exclude<ConfigKind, 'json'>).factsSchema);
          if (!validate(facts)) problems.push(`${rule.id} (${kind}): ${ajv.errorsText(validate.errors)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

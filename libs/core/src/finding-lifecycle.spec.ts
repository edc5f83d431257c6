import { findingFingerprint, planFindings, retainUnjudged } from './finding-lifecycle';
import type { RuleResult } from './finding.model';

const result = (asset: string, subject = 'tcp/23', ruleId = 'r1'): RuleResult => ({
  ruleId,
  title: 't',
  requirements: ['PCI DSS v4.0.1 1.2.6'],
  severity: 'high',
  asset,
  subject,
  message: 'm',
  evidence: {},
});

describe('finding lifecycle', () => {
  it('identifies a finding by rule, asset and subject', () => {
    const reworded: RuleResult = { ...result('a'), message: 'other' };
    expect(findingFingerprint(result('a'))).toBe(findingFingerprint(reworded));
    expect(findingFingerprint(result('a'))).not.toBe(findingFingerprint(result('a', 'tcp/21')));
  });

  it('opens new findings, keeps or reopens known ones, and resolves the ones no longer seen', () => {
    const known = [
      { id: 'open-seen', fingerprint: findingFingerprint(result('a')), status: 'open' as const },
      { id: 'resolved-back', fingerprint: findingFingerprint(result('b')), status: 'resolved' as const },
      { id: 'open-gone', fingerprint: findingFingerprint(result('c')), status: 'open' as const },
      { id: 'resolved-gone', fingerprint: findingFingerprint(result('d')), status: 'resolved' as const },
    ];
    const plan = planFindings(known, [result('a'), result('b'), result('e'), result('e')]);
    expect(plan.create.map((c) => c.result.asset)).toEqual(['e']);
    expect(plan.seen.map((s) => [s.id, s.reopened])).toEqual([
      ['open-seen', false],
      ['resolved-back', true],
    ]);
    expect(plan.resolve).toEqual([{ id: 'open-gone', from: 'open' }]);
  });

  it('keeps an excepted finding excepted while it fails, and resolves it when it stops failing', () => {
    const known = [
      {
        id: 'waived',
        fingerprint: findingFingerprint(result('a')),
        status: 'excepted' as const,
        waived: true,
      },
      {
        id: 'waived-gone',
        fingerprint: findingFingerprint(result('b')),
        status: 'excepted' as const,
        waived: true,
      },
    ];
    const plan = planFindings(known, [result('a')]);
    expect(plan.seen).toEqual([
      { id: 'waived', from: 'excepted', to: 'excepted', reopened: false, result: result('a') },
    ]);
    expect(plan.resolve).toEqual([{ id: 'waived-gone', from: 'excepted' }]);
  });

  it('reopens a resolved finding as excepted while a waiver is still in force, else as open', () => {
    const known = [
      { id: 'w', fingerprint: findingFingerprint(result('a')), status: 'resolved' as const, waived: true },
      { id: 'n', fingerprint: findingFingerprint(result('b')), status: 'resolved' as const, waived: false },
    ];
    const plan = planFindings(known, [result('a'), result('b')]);
    expect(plan.seen.map((s) => [s.id, s.to, s.reopened])).toEqual([
      ['w', 'excepted', true],
      ['n', 'open', true],
    ]);
  });
});

describe('findings the snapshot could not judge', () => {
  it('keeps them as they are instead of resolving them, and resolves the rest', () => {
    const known = [
      { id: 'open-unjudged', fingerprint: findingFingerprint(result('a')), status: 'open' as const },
      { id: 'excepted-unjudged', fingerprint: findingFingerprint(result('b')), status: 'excepted' as const },
      { id: 'open-fixed', fingerprint: findingFingerprint(result('c')), status: 'open' as const },
    ];
    const plan = retainUnjudged(planFindings(known, []), new Set(['open-unjudged', 'excepted-unjudged']));
    expect(plan.resolve).toEqual([{ id: 'open-fixed', from: 'open' }]);
    expect(plan.unjudged).toEqual([
      { id: 'open-unjudged', status: 'open' },
      { id: 'excepted-unjudged', status: 'excepted' },
    ]);
    expect(plan.seen).toEqual([]);
  });
});

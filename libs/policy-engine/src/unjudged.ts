import type { CompiledCondition, CompiledPolicy, EvaluationInput, FindingRef } from './policy.model';
import { addressOf, prepareEvaluation } from './prepare-evaluation';

const PORT_KINDS: ReadonlySet<string> = new Set(['service', 'tls', 'ssh', 'http']);

/**
 * The findings, among `refs` (open findings an evaluation did not see fail), whose rule could not
 * judge its subject in this snapshot: the port is still open and the rule still selects it, but
 * the facts the rule reads are missing (its tls, ssh or http facts, or its `evidence`), because an
 * NSE script timed out or failed. Absence of evidence is not evidence of a fix: such a finding
 * stays as it is rather than resolving now and reopening at the next scan that reads the facts.
 *
 * A finding is judged, and resolves, when its host is not up, its port is not open, or its rule no
 * longer selects the subject; host, change, config and relational rules always judge. Pure, and
 * it prepares the evaluation only when some ref is a port rule's: most evaluations pass none.
 */
export function unjudgedFindings<R extends FindingRef>(
  policy: CompiledPolicy,
  input: EvaluationInput,
  refs: readonly R[],
): R[] {
  const conditions = new Map<string, CompiledCondition>();
  for (const list of policy.conditions.values()) for (const c of list) conditions.set(c.rule.id, c);
  const byAsset = new Map<string, R[]>();
  for (const ref of refs) {
    const condition = conditions.get(ref.ruleId);
    if (!condition || !PORT_KINDS.has(condition.rule.subject)) continue;
    const list = byAsset.get(ref.asset);
    if (list) list.push(ref);
    else byAsset.set(ref.asset, [ref]);
  }
  if (byAsset.size === 0) return [];
  const prepared = prepareEvaluation(input);
  const unjudged: R[] = [];
  for (const host of input.snapshot.hosts) {
    if (host.status !== 'up') continue;
    const wanted = byAsset.get(addressOf(host));
    if (!wanted) continue;
    // A host is stored once per snapshot; a file that reported it twice kept its last report.
    byAsset.delete(addressOf(host));
    for (const ref of wanted) {
      const port = host.ports.find((p) => p.state === 'open' && `${p.protocol}/${p.port}` === ref.subject);
      if (!port) continue;
      const condition = conditions.get(ref.ruleId) as CompiledCondition;
      const subject = prepared.subjectAt(condition.rule.subject, host, port);
      // A tls, ssh or http rule cannot tell whether it selects a port whose facts are missing.
      const fact = condition.rule.subject;
      if ((fact === 'tls' || fact === 'ssh' || fact === 'http') && subject[fact] === undefined) {
        unjudged.push(ref);
        continue;
      }
      if (condition.selects(subject) && !condition.hasEvidence(subject)) unjudged.push(ref);
    }
  }
  return unjudged;
}

import type { RuleResult } from '@driftwatch/core';
import { compareAddressValues, compareWithinAsset, ipv4Value, mergeResults, resultComparator } from './order';
import type {
  CompiledCondition,
  CompiledPolicy,
  Evaluation,
  EvaluationInput,
  PreparedEvaluation,
  Subject,
  SubjectKind,
} from './policy.model';
import { prepareEvaluation } from './prepare-evaluation';

/**
 * Runs a compiled policy over one snapshot, its changes and context, at `now`. Pure and
 * deterministic: no I/O, no clock; results come in a stable order whatever the input order,
 * and the evaluation names the policy version it was judged against.
 */
export function evaluate(policy: CompiledPolicy, input: EvaluationInput): Evaluation {
  const prepared = prepareEvaluation(input);
  const fromSnapshot: RuleResult[] = [];
  const inOrder = judgeSnapshot(policy, prepared, fromSnapshot);
  const others: RuleResult[] = [];
  for (const [kind, conditions] of policy.conditions) {
    if (SNAPSHOT_KINDS.has(kind)) continue;
    prepared.forEachSubject(kind, (subject) => judge(conditions, subject, prepared, others));
  }
  for (const compiled of policy.rules) {
    if (compiled.kind !== 'condition') for (const result of compiled.run(prepared)) others.push(result);
  }
  const compare = resultComparator();
  let results: RuleResult[];
  if (inOrder) {
    others.sort(compare);
    results = others.length === 0 ? fromSnapshot : mergeResults(fromSnapshot, others, compare);
  } else {
    results = fromSnapshot;
    for (const result of others) results.push(result);
    results.sort(compare);
  }
  return {
    policy: policy.name,
    policyVersion: policy.version,
    evaluatedAt: prepared.now,
    results,
  };
}

const SNAPSHOT_KINDS: ReadonlySet<SubjectKind> = new Set(['host', 'service', 'tls', 'ssh', 'http']);

function judge(
  conditions: readonly CompiledCondition[],
  subject: Subject,
  prepared: PreparedEvaluation,
  results: RuleResult[],
): void {
  // Indexed loops here and below: they run per port and per rule, and allocate nothing.
  for (let i = 0; i < conditions.length; i += 1) {
    const { selects, holds, hasEvidence, result } = conditions[i];
    if (selects(subject) && !holds(subject) && hasEvidence(subject)) results.push(result(subject, prepared));
  }
}

/**
 * Judges every host and port rule in one walk over the snapshot, each port by all the rules at
 * once. A host's results come out in result order (host rules, then ports, each by rule id) when
 * its ports are listed by number; a host whose are not (canonical snapshots list tcp before udp)
 * has its few results sorted. True when the hosts came by address too, so that nothing needs a
 * full sort: the canonical snapshot order, and the common case.
 */
function judgeSnapshot(policy: CompiledPolicy, prepared: PreparedEvaluation, results: RuleResult[]): boolean {
  const { hostConditions, portConditions, portIndex } = policy;
  const readIndex = portIndex.read;
  if (hostConditions.length === 0 && portConditions.length === 0) return true;
  let inOrder = true;
  let previousAddress: string | undefined;
  let previousValue: number | undefined;
  let hostStart = 0;
  let portsInOrder = true;
  let lastPort = -1;
  let lastProtocol = '';
  const closeHost = (): void => {
    if (results.length === hostStart || !inOrder) return;
    const address = results[hostStart].asset;
    const value = ipv4Value(address);
    if (
      previousAddress !== undefined &&
      compareAddressValues(previousAddress, previousValue, address, value) >= 0
    ) {
      inOrder = false;
    }
    previousAddress = address;
    previousValue = value;
    if (!portsInOrder) sortSegment(results, hostStart);
  };
  let currentHost: Subject['host'];
  const openHost = (host: Subject['host']): void => {
    closeHost();
    currentHost = host;
    hostStart = results.length;
    portsInOrder = true;
    lastPort = -1;
    lastProtocol = '';
  };
  prepared.walk({
    // Without host rules the walk need not stop at each host: a port of another host opens it.
    ...(hostConditions.length === 0
      ? {}
      : {
          host: (subject: Subject) => {
            openHost(subject.host);
            judge(hostConditions, subject, prepared, results);
          },
        }),
    port: (subject) => {
      if (subject.host !== currentHost) openHost(subject.host);
      const before = results.length;
      const candidates = readIndex ? portIndex.candidates(readIndex(subject)) : portConditions;
      for (let i = 0; i < candidates.length; i += 1) {
        const { kind, fact, selectsAll, condition } = candidates[i];
        if (fact !== undefined && subject[fact] === undefined) continue;
        subject.kind = kind;
        // A subject without the facts the rule reads is not judged (`evidence`, asked last: few fail).
        if (
          (selectsAll || condition.selects(subject)) &&
          !condition.holds(subject) &&
          condition.hasEvidence(subject)
        ) {
          results.push(condition.result(subject, prepared));
        }
      }
      if (results.length === before) return;
      const { port, protocol } = subject.port as NonNullable<Subject['port']>;
      if (port < lastPort || (port === lastPort && protocol <= lastProtocol)) portsInOrder = false;
      lastPort = port;
      lastProtocol = protocol;
    },
  });
  closeHost();
  return inOrder;
}

/** Insertion sort of one host's few results, from `start` to the end, in place. */
function sortSegment(results: RuleResult[], start: number): void {
  for (let i = start + 1; i < results.length; i += 1) {
    const item = results[i];
    let j = i - 1;
    while (j >= start && compareWithinAsset(results[j], item) > 0) {
      results[j + 1] = results[j];
      j -= 1;
    }
    results[j + 1] = item;
  }
}

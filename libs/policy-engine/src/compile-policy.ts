import { contentHash, type RuleResult } from '@driftwatch/core';
import type {
  CompiledCondition,
  CompiledPolicy,
  CompiledRule,
  ConditionRule,
  PolicyPack,
  PolicyRule,
  PortCondition,
  PortConditionIndex,
  PreparedEvaluation,
  RelationalRule,
  Subject,
  SubjectKind,
} from './policy.model';
import { createConditionCompiler, type CompiledConditionParts } from './condition-compiler';
import { compareText } from './order';
import { compileRelationalRule } from './relational/relational-rules';
import { compileMessage, templateProblem } from './render-message';
import { lazyConditionResult, MESSAGE_ROOTS } from './rule-result';
import { copyLocator, ruleError } from './rule-locations';
import { ruleShapeViolation } from './rule-shape';
import { type Probe, prober } from './where-guard';

/**
 * Checks and compiles every rule of a pack once; the result is evaluated many times. Rules built
 * in code get the same checks as rules read from files. Fixtures are run by `testPolicy`.
 */
export function compilePolicy(pack: PolicyPack): CompiledPolicy {
  const compileCondition = createConditionCompiler();
  const firstById = new Map<string, PolicyRule>();
  const compiled: CompiledRule[] = [];
  const conditions = new Map<SubjectKind, CompiledCondition[]>();
  for (const rule of pack.rules) {
    checkShape(rule);
    const first = firstById.get(rule.id);
    if (first) {
      throw ruleError(rule, '/id', `duplicate rule id "${rule.id}", also defined in ${first.source}`);
    }
    firstById.set(rule.id, rule);
    // Compile a private copy so later changes to the caller's objects cannot drift from `version`.
    const own = deepFreeze(structuredClone(rule));
    copyLocator(rule, own);
    let run: CompiledRule['run'];
    if (isRelational(own)) {
      run = compileRelationalRule(own);
    } else {
      const condition = conditionOf(own, compileCondition(own));
      conditions.set(own.subject, [...(conditions.get(own.subject) ?? []), condition]);
      run = conditionRunner(condition);
    }
    compiled.push(Object.freeze({ rule: own, kind: own.kind ?? 'condition', run }));
  }
  compiled.sort((a, b) => compareText(a.rule.id, b.rule.id));
  for (const list of conditions.values()) list.sort((a, b) => compareText(a.rule.id, b.rule.id));
  const portConditions = portConditionsOf(conditions);
  return Object.freeze({
    name: pack.name,
    version: policyVersion(compiled.map((c) => c.rule)),
    ruleCount: compiled.length,
    rules: Object.freeze(compiled),
    conditions,
    hostConditions: Object.freeze(conditions.get('host') ?? []),
    portConditions,
    portIndex: portConditionIndex(portConditions),
  });
}

const PORT_FACTS = { service: undefined, tls: 'tls', ssh: 'ssh', http: 'http' } as const;

function portConditionsOf(
  conditions: ReadonlyMap<SubjectKind, readonly CompiledCondition[]>,
): readonly PortCondition[] {
  const list: PortCondition[] = [];
  for (const kind of ['service', 'tls', 'ssh', 'http'] as const) {
    for (const condition of conditions.get(kind) ?? []) {
      list.push(
        Object.freeze({
          kind,
          fact: PORT_FACTS[kind],
          selectsAll: condition.rule.where === undefined,
          condition,
        }),
      );
    }
  }
  return Object.freeze(list.sort((a, b) => compareText(a.condition.rule.id, b.condition.rule.id)));
}

// Distinct values remembered per index: service names are few, but a snapshot's are its author's.
const MAX_INDEXED_VALUES = 4096;

/**
 * Rule indexing (as OPA indexes rules on input values): the port rules a port can select, by the
 * value of the one path most of their guards read (the service name). A port then skips every rule
 * whose guard already turns that value away, and reads the value once instead of once per rule.
 */
function portConditionIndex(conditions: readonly PortCondition[]): PortConditionIndex {
  const counts = new Map<string, { path: readonly string[]; count: number }>();
  for (const { condition } of conditions) {
    for (const { path } of condition.guards) {
      const key = path.join('.');
      const entry = counts.get(key) ?? { path, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
  }
  const best = [...counts.values()].sort((a, b) => b.count - a.count)[0];
  if (!best || best.count < 2) {
    return Object.freeze({ path: undefined, read: undefined, candidates: () => conditions });
  }
  const key = best.path.join('.');
  const admits = conditions.map(({ condition }) => condition.guards.find((g) => g.path.join('.') === key));
  const remembered = new Map<Probe, readonly PortCondition[]>();
  // Built apart from `candidates`: a closure over its argument would cost an allocation per port.
  const admitted = (value: Probe): readonly PortCondition[] => {
    const list = Object.freeze(conditions.filter((_, i) => admits[i]?.values.has(value) ?? true));
    if (remembered.size < MAX_INDEXED_VALUES) remembered.set(value, list);
    return list;
  };
  return Object.freeze({
    path: best.path,
    read: prober(best.path),
    candidates: (value: Probe) => remembered.get(value) ?? admitted(value),
  });
}

export function isRelational(rule: PolicyRule): rule is RelationalRule {
  return rule.kind !== undefined && rule.kind !== 'condition';
}

function conditionOf(rule: ConditionRule, parts: CompiledConditionParts): CompiledCondition {
  const render = compileMessage(rule.message);
  const judged = Object.freeze({ rule, explain: parts.explain });
  return Object.freeze({
    rule,
    selects: parts.selects,
    expect: parts.expect,
    holds: parts.holds,
    guards: parts.guards,
    hasEvidence: parts.hasEvidence,
    result: (subject: Subject, prepared: PreparedEvaluation) =>
      lazyConditionResult(judged, render(subject), subject, prepared),
  });
}

/** One condition rule alone (fixtures, tests): the same judgement evaluate makes for all rules at once. */
function conditionRunner(condition: CompiledCondition): (prepared: PreparedEvaluation) => RuleResult[] {
  const { selects, holds, hasEvidence, result } = condition;
  return (prepared) => {
    const results: RuleResult[] = [];
    prepared.forEachSubject(condition.rule.subject, (subject) => {
      if (selects(subject) && !holds(subject) && hasEvidence(subject))
        results.push(result(subject, prepared));
    });
    return results;
  };
}

/** Identity of a pack's content: file names and order do not matter, any rule change does. */
export function policyVersion(rules: readonly PolicyRule[]): string {
  const content = [...rules]
    .sort((a, b) => compareText(a.id, b.id))
    .map(({ source: _source, ...rest }) => rest);
  return contentHash(content);
}

function checkShape(rule: PolicyRule): void {
  const { source: _source, ...document } = rule;
  const violation = ruleShapeViolation(document);
  if (violation) throw ruleError(rule, violation.pointer, violation.reason);
  const problem = templateProblem(rule.message, MESSAGE_ROOTS);
  if (problem) throw ruleError(rule, '/message', problem);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

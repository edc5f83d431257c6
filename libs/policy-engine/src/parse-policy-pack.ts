import { LineCounter, parseDocument } from 'yaml';
import type { PolicyPack, PolicyRule } from './policy.model';
import { PolicyError } from './policy-error';
import { rememberLocator } from './rule-locations';
import { ruleShapeViolation } from './rule-shape';
import { sourceLocator } from './source-locator';

export interface PolicyFile {
  path: string;
  text: string;
}

/** Parses and schema-checks rule files (YAML or JSON), in the order given. Pure: no I/O. */
export function parsePolicyPack(name: string, files: PolicyFile[]): PolicyPack {
  return { name, rules: files.map(parseRuleFile) };
}

function parseRuleFile(file: PolicyFile): PolicyRule {
  const lineCounter = new LineCounter();
  // JSON is YAML 1.2, so one parser serves both and gives line positions for either.
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    throw new PolicyError({
      file: file.path,
      pointer: '',
      reason: `syntax error: ${syntaxError.message}`,
      line,
      column: col,
    });
  }
  const locate = sourceLocator(doc, lineCounter);
  const document = plainData(doc, file.path, locate);
  const violation = ruleShapeViolation(document);
  if (violation) {
    const id = (document as { id?: unknown } | null)?.id;
    throw new PolicyError({
      file: file.path,
      ...violation,
      ...(typeof id === 'string' ? { ruleId: id } : {}),
      ...locate(violation.pointer),
    });
  }
  const rule = { ...(document as object), source: file.path } as PolicyRule;
  rememberLocator(rule, locate);
  return rule;
}

/**
 * The document as plain JSON data. YAML aliases may expand it a thousandfold (refused past the
 * parser's alias limit) or make it refer to itself (`&e {properties: {a: *e}}`), which no JSON
 * Schema and no rule can be: both are a PolicyError, not a crash further on.
 */
function plainData(
  doc: ReturnType<typeof parseDocument>,
  path: string,
  locate: ReturnType<typeof sourceLocator>,
): unknown {
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error: unknown) {
    throw new PolicyError({
      file: path,
      pointer: '',
      reason: `YAML aliases expand too far (${error instanceof Error ? error.message : String(error)})`,
    });
  }
  const cycle = selfReference(value, '', new Set());
  if (cycle !== undefined) {
    throw new PolicyError({
      file: path,
      pointer: cycle,
      reason: 'a YAML alias refers to a node that contains it: a rule must be plain JSON data',
      ...locate(cycle),
    });
  }
  return value;
}

/** The JSON pointer where `value` contains one of its ancestors, if anywhere. */
function selfReference(value: unknown, pointer: string, ancestors: Set<object>): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (ancestors.has(value)) return pointer;
  ancestors.add(value);
  for (const [key, child] of Object.entries(value)) {
    const found = selfReference(
      child,
      `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      ancestors,
    );
    if (found !== undefined) return found;
  }
  ancestors.delete(value);
  return undefined;
}

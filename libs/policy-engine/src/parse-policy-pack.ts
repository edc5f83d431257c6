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
  const document: unknown = doc.toJS();
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

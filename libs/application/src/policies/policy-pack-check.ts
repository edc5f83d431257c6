import { DriftwatchError, ErrorCode, type FieldError } from '@driftwatch/core';
import {
  type CompiledPolicy,
  compilePolicy,
  formatPolicyProblem,
  parsePolicyPack,
  POLICY_FILE_MAX_BYTES,
  POLICY_FILE_PATH,
  POLICY_FILE_PATH_MAX_LENGTH,
  POLICY_MAX_FILES,
  PolicyError,
  type PolicyFile,
  type PolicyRule,
  ruleError,
  ruleFilePathProblem,
  ruleFileSizeProblem,
  testPolicy,
} from '@driftwatch/policy-engine';

// The limits live with the engine's folder reader, so a folder and the API refuse the same files.
export { POLICY_FILE_MAX_BYTES, POLICY_FILE_PATH, POLICY_FILE_PATH_MAX_LENGTH, POLICY_MAX_FILES };

// Enough to fix a pack in a few rounds; a response listing thousands helps nobody.
const MAX_PROBLEMS = 50;

/**
 * The limits of a pack sent through the API, checked before anything is parsed: file count,
 * safe relative paths, each sent once, each file's size. Throws VALIDATION_FAILED.
 */
export function checkPolicyFiles(files: readonly PolicyFile[]): void {
  const problems = limitProblems(files);
  if (problems.length > 0) throw DriftwatchError.validation(problems);
}

/**
 * Everything a pack must pass before it may become the active policy: each file parses and
 * satisfies the rule schema, the pack compiles, and every rule's fixtures behave. Pure: no I/O.
 * Throws POLICY_INVALID with a field error per problem ("files[3]": "x.yaml:7:3 /where: ...").
 */
export function checkPolicyPack(name: string, files: readonly PolicyFile[]): CompiledPolicy {
  const index = new Map(files.map((f, i) => [f.path, i] as const));

  const problems: PolicyError[] = [];
  const rules: PolicyRule[] = [];
  for (const file of files) {
    try {
      rules.push(...parsePolicyPack(name, [file]).rules);
    } catch (error: unknown) {
      problems.push(asPolicyError(error));
    }
  }
  if (problems.length > 0) throw refused(problems, index);

  const policy = compileOrCollect(name, rules);
  if (Array.isArray(policy)) throw refused(policy, index);

  const failed = testPolicy(policy)
    .filter((o) => !o.ok)
    .map((o) => {
      const rule = policy.rules.find((r) => r.rule.id === o.ruleId)?.rule;
      const pointer = `/fixtures/${o.expectation}/${o.index}`;
      const reason = o.problem ?? 'fixture failed';
      return rule ? ruleError(rule, pointer, reason) : new PolicyError({ file: o.source, pointer, reason });
    });
  if (failed.length > 0) throw refused(failed, index);
  return policy;
}

/** The compiled pack, or every rule's compile problem (each rule on its own, then the whole pack). */
function compileOrCollect(name: string, rules: PolicyRule[]): CompiledPolicy | PolicyError[] {
  try {
    return compilePolicy({ name, rules });
  } catch (whole: unknown) {
    const problems: PolicyError[] = [];
    for (const rule of rules) {
      try {
        compilePolicy({ name, rules: [rule] });
      } catch (error: unknown) {
        problems.push(asPolicyError(error));
      }
    }
    // Problems between rules (a duplicate id) show only when the whole pack is compiled.
    return problems.length > 0 ? problems : [asPolicyError(whole)];
  }
}

function limitProblems(files: readonly PolicyFile[]): FieldError[] {
  const problems: FieldError[] = [];
  const seen = new Set<string>();
  if (files.length === 0)
    problems.push({ field: 'files', reason: 'a policy pack needs at least one rule file' });
  if (files.length > POLICY_MAX_FILES)
    problems.push({ field: 'files', reason: `at most ${POLICY_MAX_FILES} rule files` });
  files.forEach((file, i) => {
    const badPath = ruleFilePathProblem(file.path);
    if (badPath) problems.push({ field: `files[${i}].path`, reason: badPath });
    if (seen.has(file.path))
      problems.push({ field: `files[${i}].path`, reason: `"${file.path}" is sent twice` });
    seen.add(file.path);
    const tooBig = ruleFileSizeProblem(Buffer.byteLength(file.text, 'utf8'));
    if (tooBig) problems.push({ field: `files[${i}].text`, reason: tooBig });
  });
  return problems;
}

function asPolicyError(error: unknown): PolicyError {
  if (error instanceof PolicyError) return error;
  throw error;
}

/** One field error per problem, named after the file's place in the request. */
function refused(problems: readonly PolicyError[], index: ReadonlyMap<string, number>): DriftwatchError {
  const fields: FieldError[] = problems.slice(0, MAX_PROBLEMS).map((p) => {
    const i = index.get(p.details.file);
    return { field: i === undefined ? 'files' : `files[${i}]`, reason: formatPolicyProblem(p.details) };
  });
  const more = problems.length > MAX_PROBLEMS ? ` (the first ${MAX_PROBLEMS} are listed)` : '';
  const first = fields[0];
  return new DriftwatchError(
    ErrorCode.PolicyInvalid,
    `The policy pack was refused: ${problems.length} problem(s)${more}; the first: ${first?.reason ?? 'unknown'}`,
    { fields },
  );
}

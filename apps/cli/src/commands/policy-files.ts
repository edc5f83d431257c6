import { basename, join } from 'node:path';

import { errorChain } from '@driftwatch/core';
import {
  compilePolicy,
  formatPolicyProblem as formatProblem,
  listRuleFiles,
  type CompiledPolicy,
  parsePolicyPack,
  PolicyError,
  type PolicyRule,
  readRuleFile,
} from '@driftwatch/policy-engine';

import { CliUsageError } from '@driftwatch/cli/cli-error';

export interface LintReport {
  files: number;
  /** Every problem found, one per file at most (a file stops at its first error, as a compiler would). */
  problems: PolicyError[];
  /** The compiled policy when there is no problem. */
  policy?: CompiledPolicy;
}

/**
 * Checks every rule file of a folder and its subfolders and reports all bad files, not only the
 * first: each file is read as the server reads it at boot (the API's name and size limits, UTF-8),
 * parsed and compiled on its own, then the whole pack once more (duplicate ids). A folder that
 * cannot be listed is a usage error.
 */
export function lintPolicyDir(dir: string): LintReport {
  let names: string[];
  try {
    names = listRuleFiles(dir);
  } catch (error: unknown) {
    // The listing names the entry at fault: the folder, or a dangling symlink inside it.
    throw new CliUsageError(
      error instanceof PolicyError
        ? `${error.details.file}: ${error.details.reason}`
        : `${dir}: ${errorChain(error)}`,
    );
  }
  const problems: PolicyError[] = [];
  const rules: PolicyRule[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const [rule] = parsePolicyPack(basename(dir), [{ path, text: readRuleFile(dir, name) }]).rules;
      if (!rule) continue;
      compilePolicy({ name: basename(dir), rules: [rule] });
      rules.push(rule);
    } catch (error: unknown) {
      problems.push(asPolicyError(error, path));
    }
  }
  if (problems.length > 0) return { files: names.length, problems };
  try {
    return { files: names.length, problems, policy: compilePolicy({ name: basename(dir), rules }) };
  } catch (error: unknown) {
    return { files: names.length, problems: [asPolicyError(error, dir)] };
  }
}

function asPolicyError(error: unknown, file: string): PolicyError {
  if (error instanceof PolicyError) return error;
  return new PolicyError({ file, pointer: '', reason: errorChain(error) }, { cause: error });
}

/** "file:line:column: rule ID: /pointer: reason", the form editors and CI logs link to. */
export function formatPolicyProblem(error: PolicyError): string {
  return formatProblem(error.details);
}

import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { PolicyPack } from './policy.model';
import { PolicyError } from './policy-error';
import { parsePolicyPack, type PolicyFile } from './parse-policy-pack';

const RULE_FILE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * The rule files of a policy folder (not recursive): .yaml, .yml and .json names, sorted. An
 * unreadable or empty folder is a PolicyError: an empty pack would evaluate to "no findings",
 * which reads as compliant.
 */
export function listRuleFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && RULE_FILE_EXTENSIONS.has(extname(entry.name).toLowerCase()))
      .map((entry) => entry.name)
      .sort();
  } catch (error: unknown) {
    throw new PolicyError(
      { file: dir, pointer: '', reason: `cannot read the policy folder (${String(error)})` },
      { cause: error },
    );
  }
  if (names.length === 0) {
    throw new PolicyError({
      file: dir,
      pointer: '',
      reason: 'the policy folder holds no .yaml, .yml or .json rule files',
    });
  }
  return names;
}

/** Reads every rule file in `dir` (not recursive), sorted by name; the pack is named after the folder. */
export function loadPolicyPack(dir: string): PolicyPack {
  const files: PolicyFile[] = listRuleFiles(dir).map((name) => {
    const path = join(dir, name);
    try {
      return { path, text: readFileSync(path, 'utf8') };
    } catch (error: unknown) {
      throw new PolicyError(
        { file: path, pointer: '', reason: `cannot read the file (${String(error)})` },
        { cause: error },
      );
    }
  });
  return parsePolicyPack(basename(dir), files);
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { PolicyPack } from './policy.model';
import { PolicyError } from './policy-error';
import { parsePolicyPack, type PolicyFile } from './parse-policy-pack';

const RULE_FILE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The largest rule file, in bytes (UTF-8), from a folder or through the API. */
export const POLICY_FILE_MAX_BYTES = 256 * 1024;

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
      // Parsing and compiling cost grows faster than a file's size: a 7 MB enum never finished.
      const { size } = statSync(path);
      if (size > POLICY_FILE_MAX_BYTES) {
        throw new PolicyError({
          file: path,
          pointer: '',
          reason: `the file has ${size} bytes, more than the ${POLICY_FILE_MAX_BYTES} a rule file may have`,
        });
      }
      return { path, text: readFileSync(path, 'utf8') };
    } catch (error: unknown) {
      if (error instanceof PolicyError) throw error;
      throw new PolicyError(
        { file: path, pointer: '', reason: `cannot read the file (${String(error)})` },
        { cause: error },
      );
    }
  });
  return parsePolicyPack(basename(dir), files);
}

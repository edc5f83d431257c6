import { basename, join } from 'node:path';
import type { PolicyPack } from './policy.model';
import { parsePolicyPack } from './parse-policy-pack';
import { readRuleFiles } from './rule-files';

/** Reads every rule file in `dir` and its subfolders (see listRuleFiles); the pack is named after the folder. */
export function loadPolicyPack(dir: string): PolicyPack {
  const files = readRuleFiles(dir).map(({ path, text }) => ({ path: join(dir, path), text }));
  return parsePolicyPack(basename(dir), files);
}

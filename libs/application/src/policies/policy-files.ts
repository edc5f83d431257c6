import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

import { PolicyError, type PolicyFile } from '@driftwatch/policy-engine';

const RULE_FILE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * The rule files of a policy folder (not recursive), sorted by name, with paths relative to the
 * folder: what the boot step stores as the first policy version.
 */
export async function readPolicyFolder(dir: string): Promise<PolicyFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && RULE_FILE_EXTENSIONS.has(extname(entry.name).toLowerCase()))
      .map((entry) => entry.name)
      .sort();
  } catch (error: unknown) {
    throw new PolicyError(
      { file: dir, pointer: '', reason: `cannot read the policy folder (${String(error)})` },
      { cause: error },
    );
  }
  // An empty pack would evaluate to "no findings", which reads as compliant: refuse it.
  if (names.length === 0) {
    throw new PolicyError({
      file: dir,
      pointer: '',
      reason: 'the policy folder holds no .yaml, .yml or .json rule files',
    });
  }
  return Promise.all(names.map(async (path) => ({ path, text: await readFile(join(dir, path), 'utf8') })));
}

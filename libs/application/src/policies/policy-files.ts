import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { listRuleFiles, type PolicyFile } from '@driftwatch/policy-engine';

/**
 * The rule files of a policy folder (not recursive), sorted by name, with paths relative to the
 * folder: what the boot step stores as the first policy version.
 */
export async function readPolicyFolder(dir: string): Promise<PolicyFile[]> {
  return Promise.all(
    listRuleFiles(dir).map(async (path) => ({ path, text: await readFile(join(dir, path), 'utf8') })),
  );
}

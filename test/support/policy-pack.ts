import { resolve } from 'node:path';

import type { INestApplicationContext } from '@nestjs/common';

import { PolicyVersionRepository } from '@driftwatch/persistence';
import { DEFAULT_POLICY_DIR_NAME, readRuleFiles } from '@driftwatch/policy-engine';

export const SHIPPED_POLICY_DIR = resolve(__dirname, '..', '..', 'policies', DEFAULT_POLICY_DIR_NAME);

/** The shipped pack's rule files as PUT /api/v1/policies takes them. */
export function shippedPolicyFiles(): { path: string; text: string }[] {
  return readRuleFiles(SHIPPED_POLICY_DIR);
}

/** The active policy version, read from the database. */
export async function activePolicyVersion(app: INestApplicationContext): Promise<string> {
  const version = await app.get(PolicyVersionRepository).activeVersion();
  if (!version) throw new Error('no policy version is active');
  return version;
}

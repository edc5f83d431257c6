import { JobName } from '@driftwatch/queue';

import { EVALUATE_JOB_NAMES } from './evaluate.processor';
import { SCAN_JOB_NAMES } from './scan.processor';
import { WEBHOOK_JOB_NAMES } from './webhook.processor';

/** Boot fails when a job name has no handler, or more than one. */
export function assertEveryJobHandledOnce(
  handled: readonly (readonly JobName[])[] = [SCAN_JOB_NAMES, EVALUATE_JOB_NAMES, WEBHOOK_JOB_NAMES],
): void {
  const counts = new Map<JobName, number>();
  for (const names of handled) for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const problems = Object.values(JobName)
    .filter((name) => counts.get(name) !== 1)
    .map((name) => `${name}: ${counts.get(name) ?? 0} handlers`);
  if (problems.length > 0) throw new Error(`job handler registry is inconsistent: ${problems.join(', ')}`);
}

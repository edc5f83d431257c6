import { basename } from 'node:path';

import { type GateResult, judgeGate, type Severity } from '@driftwatch/core';
import { gateFindingOf, gateRules, uniqueResults } from '@driftwatch/policy-engine';

import { evaluateOffline, type OfflineInput } from '@driftwatch/cli/commands/offline-evaluation';

/**
 * The gate with no server: the XML judged as `evaluate` judges it, then by the same judgeGate the
 * API uses. No baseline (every finding counts as new) and no age limit: the file is the state.
 */
export function offlineGate(input: OfflineInput & { xmlFile: string; failOn: Severity }): GateResult {
  const evaluation = evaluateOffline(input);
  const now = input.now.toISOString();
  return judgeGate({
    scope: { id: 'offline', name: basename(input.xmlFile) },
    failOn: input.failOn,
    mode: 'all',
    findings: uniqueResults(evaluation.results).map((r) => gateFindingOf(r, null)),
    rules: gateRules(input.policy),
    policy: { name: evaluation.policy, version: evaluation.policyVersion },
    baseline: null,
    snapshot: {
      id: 'offline',
      takenAt: input.scan.run.finishedAt ?? input.scan.run.startedAt ?? now,
    },
    maxSnapshotAgeSeconds: null,
    now,
  });
}

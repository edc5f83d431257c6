import { parseNetwork } from '@driftwatch/core';
import type { ConfigDocumentSummary, ScopeEntity } from '@driftwatch/persistence';
import type { ConfigDocumentFacts, ScopeView } from '@driftwatch/policy-engine';

/**
 * The scope as rules see it, from the vantage the observation was taken from (a snapshot's, when
 * the scope has moved since). Hostname targets were resolved at scan time; rules place addresses
 * by network only.
 */
export function scopeView(scope: ScopeEntity, vantage = scope.vantage): ScopeView {
  return {
    id: scope.id,
    vantage,
    approvedPorts: scope.approvedPorts,
    targets: scope.targets.filter(isNetwork),
  };
}

/** Documents in force as rules read them; `at` is the latest moment any of them was confirmed. */
export function documentFacts(
  states: readonly { document: ConfigDocumentSummary; lastConfirmedAt: Date }[],
  since: Date,
): { documents: ConfigDocumentFacts[]; at: Date } {
  let at = since;
  const documents = states.map(({ document, lastConfirmedAt }): ConfigDocumentFacts => {
    if (lastConfirmedAt > at) at = lastConfirmedAt;
    return {
      kind: document.kind,
      asset: document.asset,
      collectedAt: document.collectedAt.toISOString(),
      ...(document.tag === 'running' || document.tag === 'startup' ? { tag: document.tag } : {}),
      ...(document.schemaName !== null ? { schema: document.schemaName } : {}),
      facts: document.facts,
    };
  });
  return { documents, at };
}

function isNetwork(target: string): boolean {
  try {
    parseNetwork(target);
    return true;
  } catch {
    return false;
  }
}

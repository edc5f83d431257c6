import { Injectable } from '@nestjs/common';

import {
  EvaluationInputRepository,
  ChangeRepository,
  type SnapshotEntity,
  type StoredChange,
} from '@driftwatch/persistence';
import type { DeclaredAsset, DetectedChange, PolicyContext, ScanRecord } from '@driftwatch/policy-engine';

import { addressKey } from './address-key';
import { PolicyContextService } from './policy-context.service';

/** How many of the scope's earlier scans coverage rules see. */
export const SCAN_HISTORY_LIMIT = 100;
// No scan id: a history that leaves none out.
const NO_SCAN = '00000000-0000-0000-0000-000000000000';

export interface EvaluationContext {
  /** The context version used (null: none was ever stored). */
  contextVersion: string | null;
  context: PolicyContext;
  /**
   * The changes stored with the snapshot, detected at its time, and with the snapshots since the
   * last one evaluated before it (their own evaluations were overtaken: see changesToJudge).
   */
  changes: DetectedChange[];
}

/**
 * What an evaluation of a stored snapshot knows besides its hosts: the current policy context,
 * the scope's scan history (the scan being evaluated counts as completed at the snapshot's
 * time), when each declared asset was last seen up (from the host intervals, as of the
 * snapshot), and the snapshot's drift. Everything is "as of the snapshot": later scans and
 * sightings are left out, so evaluating a snapshot again gives the same answer.
 */
@Injectable()
export class EvaluationContextLoader {
  constructor(
    private readonly contexts: PolicyContextService,
    private readonly inputs: EvaluationInputRepository,
    private readonly changes: ChangeRepository,
  ) {}

  /**
   * The context of a scope with no snapshot yet, as its first snapshot would be judged with: the
   * current policy context, no scan before it and no changes (a first snapshot is the baseline
   * drift is measured from).
   */
  async loadFirst(): Promise<EvaluationContext> {
    const { version, context } = await this.contexts.current();
    return { contextVersion: version, context: { ...context, scans: [] }, changes: [] };
  }

  /**
   * The context of `snapshot` judged as of `at` (its own time, or later: a newer document, a
   * failed scan, findings applied later): the scan history runs to `at`. After a failed scan
   * (`afterFailure`) that failure is the latest entry; otherwise the snapshot's own scan counts as
   * completed at the snapshot's time.
   */
  async load(
    snapshot: SnapshotEntity,
    scanId: string,
    at: Date = snapshot.takenAt,
    afterFailure = false,
  ): Promise<EvaluationContext> {
    const [{ version, context }, history, changes] = await Promise.all([
      this.contexts.current(),
      afterFailure
        ? this.inputs.scanHistory(snapshot.scopeId, at, NO_SCAN, SCAN_HISTORY_LIMIT)
        : this.inputs.scanHistory(snapshot.scopeId, at, scanId, SCAN_HISTORY_LIMIT - 1),
      this.changes.changesToJudge(snapshot),
    ]);
    const inventory =
      context.inventory.length === 0
        ? context.inventory
        : withLastSeen(context.inventory, await this.inputs.lastSeenUp(snapshot.scopeId, snapshot.seq));
    const scans: ScanRecord[] = [
      ...(afterFailure
        ? []
        : [{ id: scanId, at: snapshot.takenAt.toISOString(), status: 'completed' as const }]),
      ...history.map((s) => ({
        id: s.id,
        at: s.at.toISOString(),
        status: s.status,
        ...(s.error ? { error: s.error.slice(0, 2000) } : {}),
      })),
    ];
    return {
      contextVersion: version,
      context: { ...context, inventory, scans },
      changes: changes.map(toDetectedChange),
    };
  }
}

/** The later of the declared last sighting and the last snapshot that saw the address up. */
function withLastSeen(inventory: readonly DeclaredAsset[], seen: ReadonlyMap<string, Date>): DeclaredAsset[] {
  const byKey = new Map<string, Date>();
  for (const [address, at] of seen) byKey.set(addressKey(address), at);
  return inventory.map((asset) => {
    const at = byKey.get(addressKey(asset.address));
    if (!at) return asset;
    const declared = asset.lastSeenAt ? Date.parse(asset.lastSeenAt) : -Infinity;
    return at.getTime() > declared ? { ...asset, lastSeenAt: at.toISOString() } : asset;
  });
}

function toDetectedChange(row: StoredChange): DetectedChange {
  return {
    type: row.type,
    address: row.address,
    ...(row.port === null ? {} : { port: row.port, protocol: row.protocol }),
    ...(row.before === null ? {} : { before: row.before }),
    ...(row.after === null ? {} : { after: row.after }),
    detectedAt: row.detectedAt.toISOString(),
  } as DetectedChange;
}

/** Shared queue and job names: producers and processors never spell them twice. */
export enum QueueName {
  Scan = 'scan',
  Evaluate = 'evaluate',
}

export enum JobName {
  ManualScan = 'manual-scan',
  ScheduledScan = 'scheduled-scan',
  EvaluateSnapshot = 'evaluate-snapshot',
}

export interface ManualScanPayload {
  scanId: string;
}

export interface ScheduledScanPayload {
  scopeId: string;
  /** ISO time of the schedule slot. */
  slot: string;
}

export interface EvaluateSnapshotPayload {
  scanId: string;
  snapshotId: string;
}

export type ScanJobPayload = ManualScanPayload | ScheduledScanPayload;

/** Deterministic job ids: BullMQ keeps one job per id, so replicas enqueueing the same work add it once. */
export const jobIds = {
  manualScan: (scanId: string): string => `manual-${scanId}`,
  scheduledScan: (scopeId: string, slot: Date): string => `scheduled-${scopeId}-${slot.getTime()}`,
  evaluation: (snapshotId: string): string => `evaluate-${snapshotId}`,
};

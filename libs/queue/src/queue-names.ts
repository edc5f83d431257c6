/** Shared queue and job names: producers and processors never spell them twice. */
export enum QueueName {
  Evaluate = 'evaluate',
  /** Outgoing webhook deliveries, and the sweep that re-enqueues deliveries whose job was lost. */
  Webhooks = 'webhooks',
}

/**
 * Scans run on the queue of their scope's vantage (network zone): a worker placed in a zone
 * consumes only that zone's queue, so every scan runs from where its scope says.
 */
export function scanQueueName(vantage: string): string {
  return `scan-${vantage}`;
}

/** The vantage of a scan queue (scanQueueName's inverse). */
export function vantageOfQueue(queueName: string): string {
  return queueName.replace(/^scan-/, '');
}

export enum JobName {
  ManualScan = 'manual-scan',
  ScheduledScan = 'scheduled-scan',
  ScanShard = 'scan-shard',
  EvaluateSnapshot = 'evaluate-snapshot',
  EvaluateScopeConfig = 'evaluate-scope-config',
  EvaluateScanFailure = 'evaluate-scan-failure',
  ExpireWaivers = 'expire-waivers',
  SweepScans = 'sweep-scans',
  DeliverWebhook = 'deliver-webhook',
  SweepWebhooks = 'sweep-webhooks',
}

export interface ManualScanPayload {
  scanId: string;
}

export interface ScheduledScanPayload {
  scopeId: string;
  /** ISO time of the schedule slot. */
  slot: string;
}

/** A scan job moves from planning its shards to assembling their results. */
export type ScanStep = 'plan' | 'assemble';

export interface ScanShardPayload {
  scanId: string;
  seq: number;
}

export interface EvaluateSnapshotPayload {
  scanId: string;
  snapshotId: string;
}

/** A scope's configuration changed: evaluate its latest snapshot again with the documents in force. */
export interface EvaluateScopeConfigPayload {
  scopeId: string;
  /** The config interval that triggered it: one job per change, however often it is resubmitted. */
  stateId: string;
}

/** A scan failed for good: judge the scope's latest snapshot again, with that failure in its scan history. */
export interface EvaluateScanFailurePayload {
  scanId: string;
  failure: true;
}

export interface ExpireWaiversPayload {
  /** ISO time of the sweep slot. */
  slot: string;
}

export interface SweepScansPayload {
  /** ISO time of the sweep slot. */
  slot: string;
}

/** One webhook delivery (a row of webhook_deliveries): the job id is the delivery id. */
export interface DeliverWebhookPayload {
  deliveryId: string;
}

export interface SweepWebhooksPayload {
  /** ISO time of the sweep slot. */
  slot: string;
}

export type ScanJobPayload = (ManualScanPayload | ScheduledScanPayload) & {
  scanId?: string;
  step?: ScanStep;
};

/** Deterministic job ids: BullMQ keeps one job per id, so replicas enqueueing the same work add it once. */
export const jobIds = {
  manualScan: (scanId: string): string => `manual-${scanId}`,
  scheduledScan: (scopeId: string, slot: Date): string => `scheduled-${scopeId}-${slot.getTime()}`,
  shard: (scanId: string, seq: number): string => `shard-${scanId}-${seq}`,
  evaluation: (snapshotId: string): string => `evaluate-${snapshotId}`,
  configEvaluation: (scopeId: string, stateId: string): string => `evaluate-config-${scopeId}-${stateId}`,
  failureEvaluation: (scanId: string): string => `evaluate-failure-${scanId}`,
  waiverSweep: (slot: Date): string => `expire-waivers-${slot.getTime()}`,
  scanSweep: (slot: Date): string => `sweep-scans-${slot.getTime()}`,
  /** The delivery id itself: a retried or repeated enqueue of one delivery adds one job. */
  webhookDelivery: (deliveryId: string): string => deliveryId,
  webhookSweep: (slot: Date): string => `sweep-webhooks-${slot.getTime()}`,
};

import type { FindingPlan, FindingStatus, Severity } from '@driftwatch/core';
import type { WebhookDeliveryEventType } from '@driftwatch/persistence';

/** Findings per event: an evaluation that opens 10,000 findings sends 50 requests per webhook, not 10,000. */
export const FINDINGS_PER_EVENT = 200;
/** Changes listed in a drift event; the rest are only counted. */
export const CHANGES_PER_EVENT = 100;

/** What every webhook body holds. `id` is the event id (the same for every webhook the event goes to). */
export type WebhookEventPayload = {
  id: string;
  type: WebhookDeliveryEventType;
  scopeId: string;
  occurredAt: string;
  data: Record<string, unknown>;
};

export interface FindingSummary {
  id: string;
  /** The waiver whose end reopened the finding, in events caused by one. */
  waiverId?: string;
  ruleId: string;
  requirements: string[];
  severity: Severity;
  asset: string;
  subject: string;
  message: string;
  status: FindingStatus;
}

/** The findings an evaluation opened and reopened, from its plan; `idOf` maps a new finding's fingerprint to its id. */
export function findingSummaries(
  plan: FindingPlan,
  idOf: ReadonlyMap<string, string>,
): { opened: FindingSummary[]; reopened: FindingSummary[] } {
  const opened = plan.create.flatMap(({ fingerprint, result }) => {
    const id = idOf.get(fingerprint);
    return id ? [summary(id, result, 'open')] : [];
  });
  const reopened = plan.seen.filter((s) => s.reopened).map((s) => summary(s.id, s.result, s.to));
  return { opened, reopened };
}

function summary(
  id: string,
  result: FindingPlan['create'][number]['result'],
  status: FindingStatus,
): FindingSummary {
  return {
    id,
    ruleId: result.ruleId,
    requirements: result.requirements,
    severity: result.severity,
    asset: result.asset,
    subject: result.subject,
    message: result.message,
    status,
  };
}

/**
 * Finding events of one evaluation: one per chunk of FINDINGS_PER_EVENT findings, each saying
 * which part of how many it is. The event id is filled in when the event is recorded.
 */
/**
 * Why findings opened or reopened: an evaluation of a snapshot under a policy version, or the end
 * of the waivers that excepted them (then there is no snapshot or policy version, and each
 * finding names its waiver).
 */
export type FindingEventCause =
  | { cause: 'evaluation'; snapshotId: string; policyVersion: string }
  | { cause: 'waiver-expired' | 'waiver-revoked'; snapshotId: null; policyVersion: null };

export function findingEvents(
  type: 'finding.opened' | 'finding.reopened',
  scopeId: string,
  occurredAt: Date,
  origin: FindingEventCause,
  findings: readonly FindingSummary[],
): WebhookEventPayload[] {
  const parts = chunk(findings, FINDINGS_PER_EVENT);
  return parts.map((part, index) => ({
    id: '',
    type,
    scopeId,
    occurredAt: occurredAt.toISOString(),
    data: {
      cause: origin.cause,
      snapshotId: origin.snapshotId,
      policyVersion: origin.policyVersion,
      part: { index: index + 1, count: parts.length },
      total: findings.length,
      findings: part,
    },
  }));
}

export interface ChangeSummary {
  type: string;
  address: string;
  protocol?: string | null;
  port?: number | null;
}

/** A snapshot's drift as one event: counts by type, and the first CHANGES_PER_EVENT changes. */
export function driftEvent(
  scopeId: string,
  occurredAt: Date,
  snapshot: { snapshotId: string; previousSnapshotId: string; observedAt: Date },
  changes: readonly ChangeSummary[],
): WebhookEventPayload {
  const counts: Record<string, number> = {};
  for (const c of changes) counts[c.type] = (counts[c.type] ?? 0) + 1;
  return {
    id: '',
    type: 'drift.detected',
    scopeId,
    occurredAt: occurredAt.toISOString(),
    data: {
      snapshotId: snapshot.snapshotId,
      previousSnapshotId: snapshot.previousSnapshotId,
      observedAt: snapshot.observedAt.toISOString(),
      total: changes.length,
      counts,
      changes: changes.slice(0, CHANGES_PER_EVENT).map((c) => ({
        type: c.type,
        address: c.address,
        protocol: c.protocol ?? null,
        port: c.port ?? null,
      })),
      truncated: changes.length > CHANGES_PER_EVENT,
    },
  };
}

export function pingEvent(scopeId: string, webhookId: string, occurredAt: Date): WebhookEventPayload {
  return {
    id: '',
    type: 'ping',
    scopeId,
    occurredAt: occurredAt.toISOString(),
    data: { webhookId, message: 'Driftwatch webhook test' },
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A configuration document that replaced a different one on its asset, as the config changes list shows it. */
export interface ConfigDriftSummary {
  id: string;
  asset: string;
  kind: string;
  tag: string;
  /** A `json` document's schema; '' for the built-in kinds. */
  schema: string;
  fromDocumentId: string;
  toDocumentId: string;
  detectedAt: Date;
  changes: readonly { type: string; path: string }[];
}

/**
 * The `config.drift` event of one changed configuration document: which document replaced which,
 * the semantic changes counted by type, and the first CHANGES_PER_EVENT of them by type and path
 * ("setting-changed", "passwordauthentication"). Values and readable lines are left out, since a
 * document may hold any setting; the change's id leads to the full diff through the API.
 */
export function configDriftEvent(
  scopeId: string,
  occurredAt: Date,
  change: ConfigDriftSummary,
): WebhookEventPayload {
  const counts: Record<string, number> = {};
  for (const c of change.changes) counts[c.type] = (counts[c.type] ?? 0) + 1;
  return {
    id: '',
    type: 'config.drift',
    scopeId,
    occurredAt: occurredAt.toISOString(),
    data: {
      changeId: change.id,
      asset: change.asset,
      kind: change.kind,
      tag: change.tag,
      ...(change.schema !== '' ? { schema: change.schema } : {}),
      fromDocumentId: change.fromDocumentId,
      toDocumentId: change.toDocumentId,
      detectedAt: change.detectedAt.toISOString(),
      total: change.changes.length,
      counts,
      changes: change.changes.slice(0, CHANGES_PER_EVENT).map((c) => ({ type: c.type, path: c.path })),
      truncated: change.changes.length > CHANGES_PER_EVENT,
    },
  };
}

import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { errorChain, type FindingPlan } from '@driftwatch/core';
import {
  type FindingEntity,
  FindingRepository,
  WebhookDeliveryRepository,
  WebhookRepository,
} from '@driftwatch/persistence';
import { WebhookQueue } from '@driftwatch/queue';

import { Clock } from '@driftwatch/application/common/clock';

import {
  type ChangeSummary,
  type ConfigDriftSummary,
  configDriftEvent,
  driftEvent,
  findingEvents,
  type FindingSummary,
  findingSummaries,
} from './webhook-payload';

/**
 * The webhook outbox. `record*` run inside the transaction that changes findings or records
 * drift (of the network or of a configuration document) and write one pending delivery per subscribed webhook and event, so an event exists
 * exactly when its change was committed. `dispatch` runs after the commit and enqueues the
 * deliveries (job id = delivery id); if Redis is down then, the sweep enqueues them later.
 */
@Injectable()
export class WebhookEvents {
  private readonly logger = new Logger(WebhookEvents.name);

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly findings: FindingRepository,
    private readonly queue: WebhookQueue,
    private readonly clock: Clock,
  ) {}

  /** `finding.opened` / `finding.reopened` events of one applied evaluation plan. Returns the delivery ids. */
  async recordFindings(
    scopeId: string,
    plan: FindingPlan,
    evaluation: { snapshotId: string; policyVersion: string },
    manager: EntityManager,
  ): Promise<string[]> {
    const anyReopened = plan.seen.some((s) => s.reopened);
    if (plan.create.length === 0 && !anyReopened) return [];
    const types = await this.webhooks.subscribedTypes(scopeId, manager);
    const wantOpened = types.has('finding.opened') && plan.create.length > 0;
    const wantReopened = types.has('finding.reopened') && anyReopened;
    if (!wantOpened && !wantReopened) return [];
    const idOf = wantOpened
      ? await this.findings.idsByFingerprint(
          scopeId,
          plan.create.map((c) => c.fingerprint),
          manager,
        )
      : new Map<string, string>();
    const { opened, reopened } = findingSummaries(plan, idOf);
    const now = this.clock.now();
    const batches: ['finding.opened' | 'finding.reopened', FindingSummary[]][] = [];
    if (wantOpened) batches.push(['finding.opened', opened]);
    if (wantReopened) batches.push(['finding.reopened', reopened]);
    const ids: string[] = [];
    for (const [type, summaries] of batches) {
      for (const event of findingEvents(
        type,
        scopeId,
        now,
        { cause: 'evaluation', ...evaluation },
        summaries,
      )) {
        ids.push(...(await this.deliveries.recordEvent(scopeId, type, event, now, manager)));
      }
    }
    return ids;
  }

  /**
   * `finding.reopened` events for findings that waivers had excepted, reopened because the
   * waivers expired or were revoked. Returns the delivery ids.
   */
  async recordWaiverEnded(
    scopeId: string,
    cause: 'waiver-expired' | 'waiver-revoked',
    reopened: readonly { finding: FindingEntity; waiverId: string }[],
    manager: EntityManager,
  ): Promise<string[]> {
    if (reopened.length === 0) return [];
    const types = await this.webhooks.subscribedTypes(scopeId, manager);
    if (!types.has('finding.reopened')) return [];
    const now = this.clock.now();
    const summaries = reopened.map(({ finding, waiverId }) => ({
      id: finding.id,
      waiverId,
      ruleId: finding.ruleId,
      requirements: finding.requirements,
      severity: finding.severity,
      asset: finding.asset,
      subject: finding.subject,
      message: finding.message,
      status: 'open' as const,
    }));
    const ids: string[] = [];
    const origin = { cause, snapshotId: null, policyVersion: null };
    for (const event of findingEvents('finding.reopened', scopeId, now, origin, summaries)) {
      ids.push(...(await this.deliveries.recordEvent(scopeId, 'finding.reopened', event, now, manager)));
    }
    return ids;
  }

  /** A `drift.detected` event for a snapshot's changes (none when there are none). Returns the delivery ids. */
  async recordDrift(
    scopeId: string,
    snapshot: { snapshotId: string; previousSnapshotId: string; observedAt: Date },
    changes: readonly ChangeSummary[],
    manager: EntityManager,
  ): Promise<string[]> {
    if (changes.length === 0) return [];
    const types = await this.webhooks.subscribedTypes(scopeId, manager);
    if (!types.has('drift.detected')) return [];
    const now = this.clock.now();
    const event = driftEvent(scopeId, now, snapshot, changes);
    return this.deliveries.recordEvent(scopeId, 'drift.detected', event, now, manager);
  }

  /** A `config.drift` event for a configuration document that changed. Returns the delivery ids. */
  async recordConfigDrift(
    scopeId: string,
    change: ConfigDriftSummary,
    manager: EntityManager,
  ): Promise<string[]> {
    const types = await this.webhooks.subscribedTypes(scopeId, manager);
    if (!types.has('config.drift')) return [];
    const now = this.clock.now();
    const event = configDriftEvent(scopeId, now, change);
    return this.deliveries.recordEvent(scopeId, 'config.drift', event, now, manager);
  }

  /** After the commit: enqueue the deliveries. Never throws; the sweep enqueues what this could not. */
  async dispatch(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    try {
      await this.queue.enqueueDeliveries(deliveryIds);
    } catch (error: unknown) {
      this.logger.warn(
        { deliveries: deliveryIds.length, reason: errorChain(error) },
        'could not enqueue webhook deliveries; the sweep sends them later',
      );
    }
  }
}

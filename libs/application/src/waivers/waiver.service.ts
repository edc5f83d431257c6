import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { DriftwatchError, ErrorCode, TRANSITION_REASONS } from '@driftwatch/core';
import {
  type FindingEntity,
  FindingRepository,
  ScopeRepository,
  WaiverRepository,
} from '@driftwatch/persistence';

import type { Principal } from '@driftwatch/application/api-keys/api-key.service';
import { AuditTrail, keyActor, systemActor } from '@driftwatch/application/audit/audit-trail';
import { Clock } from '@driftwatch/application/common/clock';
import { DEFAULT_PAGE_LIMIT } from '@driftwatch/application/common/pagination';
import { WebhookEvents } from '@driftwatch/application/webhooks/webhook-events.service';

import {
  type CreateWaiverDto,
  type ListWaiversQueryDto,
  mapWaiver,
  type WaiverListResponseDto,
  type WaiverResponseDto,
} from './waiver.dto';

const MAX_WAIVER_DAYS = 366;
const DAY_MS = 86_400_000;
// A sweep applies at most this many expiries per transaction; the next sweep takes the rest.
const SWEEP_BATCH = 500;

/**
 * Waivers: an approved, justified exception turns a failing finding to "excepted" until it
 * expires (then the finding reopens by itself, see expireDue) or is revoked.
 */
@Injectable()
export class WaiverService {
  private readonly logger = new Logger(WaiverService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly waivers: WaiverRepository,
    private readonly findings: FindingRepository,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly webhookEvents: WebhookEvents,
    private readonly scopes: ScopeRepository,
  ) {}

  async create(dto: CreateWaiverDto, principal: Principal): Promise<WaiverResponseDto> {
    const now = this.clock.now();
    const expiresAt = new Date(dto.expiresAt);
    if (expiresAt.getTime() <= now.getTime())
      throw DriftwatchError.validation([{ field: 'expiresAt', reason: 'must be in the future' }]);
    if (expiresAt.getTime() - now.getTime() > MAX_WAIVER_DAYS * DAY_MS)
      throw DriftwatchError.validation([
        { field: 'expiresAt', reason: `must be at most ${MAX_WAIVER_DAYS} days ahead` },
      ]);
    return this.dataSource.transaction(async (manager) => {
      const finding = await this.findings.lockById(dto.findingId, manager);
      if (!finding) throw new DriftwatchError(ErrorCode.NotFound, `finding ${dto.findingId} not found`);
      // A deleted scope is scanned no more: its findings stay as history, and nothing can be waived.
      if (!(await this.scopes.findLive(finding.scopeId, manager)))
        throw new DriftwatchError(
          ErrorCode.Conflict,
          `finding ${finding.id} belongs to deleted scope ${finding.scopeId}: it takes no waiver`,
        );
      if (await this.waivers.inForceFor(finding.id, manager))
        throw new DriftwatchError(
          ErrorCode.Conflict,
          `finding ${finding.id} already has a waiver in force; revoke it first`,
        );
      const waiver = await this.waivers.insert(
        {
          scopeId: finding.scopeId,
          findingId: finding.id,
          justification: dto.justification,
          approver: dto.approver,
          expiresAt,
          createdAt: now,
          createdBy: principal.keyId,
          revokedAt: null,
          revokedBy: null,
          expiredAt: null,
        },
        manager,
      );
      // A resolved finding stays resolved; the waiver applies if it fails again.
      if (finding.status === 'open') {
        await this.findings.setStatus(finding.id, 'excepted', manager);
        await this.findings.recordTransitions(
          [
            {
              findingId: finding.id,
              fromStatus: 'open',
              toStatus: 'excepted',
              at: now,
              reason: TRANSITION_REASONS.waiverGranted,
              waiverId: waiver.id,
              actor: principal.keyId,
              snapshotId: null,
              policyVersion: null,
            },
          ],
          manager,
        );
      }
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: 'waiver.created',
        subjectType: 'waiver',
        subjectId: waiver.id,
        scopeId: waiver.scopeId,
        details: {
          findingId: finding.id,
          fingerprint: finding.fingerprint,
          justification: waiver.justification,
          approver: waiver.approver,
          expiresAt: waiver.expiresAt.toISOString(),
        },
      });
      return mapWaiver(waiver);
    });
  }

  async list(query: ListWaiversQueryDto): Promise<WaiverListResponseDto> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total } = await this.waivers.list({
      scopeId: query.scope,
      findingId: query.finding,
      inForce: query.inForce,
      limit,
      offset,
    });
    return { items: items.map(mapWaiver), page: { total, limit, offset } };
  }

  async get(id: string): Promise<WaiverResponseDto> {
    const waiver = await this.waivers.findById(id);
    if (!waiver) throw new DriftwatchError(ErrorCode.NotFound, `waiver ${id} not found`);
    return mapWaiver(waiver);
  }

  /** Ends a waiver before its expiry; an excepted finding becomes open again. */
  async revoke(id: string, principal: Principal): Promise<WaiverResponseDto> {
    const now = this.clock.now();
    const { revoked, deliveries } = await this.dataSource.transaction(async (manager) => {
      const waiver = await this.waivers.findById(id, manager);
      if (!waiver) throw new DriftwatchError(ErrorCode.NotFound, `waiver ${id} not found`);
      if (waiver.revokedAt || waiver.expiredAt)
        throw new DriftwatchError(ErrorCode.Conflict, `waiver ${id} is no longer in force`);
      // Conditional: of two revocations racing, the second finds the waiver ended (409), as it
      // would after the first had committed.
      if (!(await this.waivers.markRevoked(id, now, principal.keyId, manager)))
        throw new DriftwatchError(ErrorCode.Conflict, `waiver ${id} is no longer in force`);
      const finding = await this.reopen(
        waiver.findingId,
        waiver.id,
        now,
        TRANSITION_REASONS.waiverRevoked,
        principal.keyId,
        manager,
      );
      const reopened = finding ? [{ finding, waiverId: waiver.id }] : [];
      const deliveries = await this.webhookEvents.recordWaiverEnded(
        waiver.scopeId,
        'waiver-revoked',
        reopened,
        manager,
      );
      // Last: the entry takes the chain lock, held until commit.
      await this.audit.record(manager, {
        actor: keyActor(principal),
        action: 'waiver.revoked',
        subjectType: 'waiver',
        subjectId: waiver.id,
        scopeId: waiver.scopeId,
        details: { findingId: waiver.findingId },
      });
      return { revoked: mapWaiver({ ...waiver, revokedAt: now, revokedBy: principal.keyId }), deliveries };
    });
    await this.webhookEvents.dispatch(deliveries);
    return revoked;
  }

  /**
   * Applies every expiry that is due at the clock's now: the waiver ends and its excepted
   * finding reopens, with a transition saying why. Idempotent and safe to run on several
   * workers at once (due waivers are locked, skipping those another sweep holds).
   */
  async expireDue(): Promise<number> {
    const now = this.clock.now();
    let expired = 0;
    for (;;) {
      const { batch, deliveries } = await this.dataSource.transaction(async (manager) => {
        const due = await this.waivers.lockDue(now, SWEEP_BATCH, manager);
        const reopenedByScope = new Map<string, { finding: FindingEntity; waiverId: string }[]>();
        for (const waiver of due) {
          await this.waivers.markExpired(waiver.id, now, manager);
          const finding = await this.reopen(
            waiver.findingId,
            waiver.id,
            now,
            TRANSITION_REASONS.waiverExpired,
            null,
            manager,
          );
          if (finding) {
            const list = reopenedByScope.get(waiver.scopeId) ?? [];
            list.push({ finding, waiverId: waiver.id });
            reopenedByScope.set(waiver.scopeId, list);
          }
        }
        const ids: string[] = [];
        for (const [scopeId, reopened] of reopenedByScope) {
          ids.push(
            ...(await this.webhookEvents.recordWaiverEnded(scopeId, 'waiver-expired', reopened, manager)),
          );
        }
        // Last: the entries take the chain lock, held until commit.
        await this.audit.record(
          manager,
          due.map((waiver) => ({
            actor: systemActor('waiver-sweep'),
            action: 'waiver.expired',
            subjectType: 'waiver',
            subjectId: waiver.id,
            scopeId: waiver.scopeId,
            details: { findingId: waiver.findingId, expiresAt: waiver.expiresAt.toISOString() },
          })),
        );
        return { batch: due.length, deliveries: ids };
      });
      await this.webhookEvents.dispatch(deliveries);
      expired += batch;
      if (batch < SWEEP_BATCH) break;
    }
    if (expired > 0)
      this.logger.log({ expired, at: now.toISOString() }, 'waivers expired; their findings reopened');
    return expired;
  }

  private async reopen(
    findingId: string,
    waiverId: string,
    at: Date,
    reason: string,
    actor: string | null,
    manager: EntityManager,
  ): Promise<FindingEntity | null> {
    const finding = await this.findings.lockById(findingId, manager);
    if (finding?.status !== 'excepted') return null;
    await this.findings.setStatus(findingId, 'open', manager);
    await this.findings.recordTransitions(
      [
        {
          findingId,
          fromStatus: 'excepted',
          toStatus: 'open',
          at,
          reason,
          waiverId,
          actor,
          snapshotId: null,
          policyVersion: null,
        },
      ],
      manager,
    );
    return finding;
  }
}

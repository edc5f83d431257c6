import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { type AuditActor, auditActorId, type AuditEntry, chainEntry } from '@driftwatch/core';
import { AuditRepository } from '@driftwatch/persistence';

import type { Principal } from '@driftwatch/application/api-keys/api-key.service';
import { Clock } from '@driftwatch/application/common/clock';

/** One thing that happened, as the trail records it. */
export interface AuditEvent {
  actor: AuditActor;
  /** `<subject>.<verb>`, e.g. `scope.created`, `snapshot.stored`. */
  action: string;
  subjectType: string;
  subjectId: string;
  scopeId?: string | null;
  /** Plain JSON: what the action did (never a secret). */
  details?: Record<string, unknown>;
}

export function keyActor(principal: Principal): AuditActor {
  return { kind: 'key', keyId: principal.keyId, name: principal.name, role: principal.role };
}

export function systemActor(name: string): AuditActor {
  return { kind: 'system', name };
}

/**
 * Appends to the tamper-evident trail inside the caller's transaction, so an action and its entry
 * are stored together or not at all. Call it as the transaction's last write: it takes the chain
 * lock, which is then held until commit.
 */
@Injectable()
export class AuditTrail {
  constructor(
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  async record(manager: EntityManager, events: AuditEvent | readonly AuditEvent[]): Promise<AuditEntry[]> {
    const list = Array.isArray(events) ? (events as readonly AuditEvent[]) : [events as AuditEvent];
    if (list.length === 0) return [];
    let tail = await this.audit.lockTail(manager);
    const at = this.clock.now().toISOString();
    const entries: AuditEntry[] = [];
    for (const event of list) {
      const entry = chainEntry(tail, {
        at,
        actor: auditActorId(event.actor),
        actorName: event.actor.name,
        action: event.action,
        subjectType: event.subjectType,
        subjectId: event.subjectId,
        // As the uuid column will return it: a hash over another spelling would never verify.
        scopeId: event.scopeId?.toLowerCase() ?? null,
        details:
          event.actor.kind === 'key'
            ? { ...event.details, actorRole: event.actor.role }
            : { ...event.details },
      });
      entries.push(entry);
      tail = entry;
    }
    await this.audit.insert(entries, manager);
    return entries;
  }
}

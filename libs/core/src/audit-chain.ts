import { canonicalJson, sha256Hex } from './canonical-json';

/**
 * The tamper-evident audit trail as a hash chain: entry n holds sha256(hash of entry n-1 +
 * canonical JSON of its own content), entry 1 links to the genesis hash. Changing an entry breaks
 * its own hash; removing one leaves a gap in the sequence and a link to a hash no entry has.
 */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** Who did it: an API key (its id and name at the time) or a part of Driftwatch itself. */
export type AuditActor =
  { kind: 'key'; keyId: string; name: string; role: string } | { kind: 'system'; name: string };

/** What an entry proves; the chain hashes exactly these members. */
export interface AuditContent {
  seq: number;
  /** ISO 8601 with milliseconds, as stored. */
  at: string;
  actor: string;
  actorName: string;
  action: string;
  subjectType: string;
  subjectId: string;
  scopeId: string | null;
  /** Plain JSON only (strings, numbers, booleans, null, arrays, objects): what the action was. */
  details: Record<string, unknown>;
}

export interface AuditEntry extends AuditContent {
  prevHash: string;
  hash: string;
}

export function auditActorId(actor: AuditActor): string {
  return actor.kind === 'key' ? `key:${actor.keyId}` : `system:${actor.name}`;
}

export function auditEntryHash(prevHash: string, content: AuditContent): string {
  const { seq, at, actor, actorName, action, subjectType, subjectId, scopeId, details } = content;
  return sha256Hex(
    prevHash + canonicalJson({ seq, at, actor, actorName, action, subjectType, subjectId, scopeId, details }),
  );
}

/** The entry that follows `previous` (or starts the chain), with its link and hash. */
export function chainEntry(
  previous: Pick<AuditEntry, 'seq' | 'hash'> | undefined,
  content: Omit<AuditContent, 'seq'>,
): AuditEntry {
  const prevHash = previous?.hash ?? AUDIT_GENESIS_HASH;
  const full: AuditContent = {
    ...content,
    seq: (previous?.seq ?? 0) + 1,
    details: plainJson(content.details),
  };
  return { ...full, prevHash, hash: auditEntryHash(prevHash, full) };
}

export type ChainBreakReason =
  'content-altered' | 'link-broken' | 'entries-missing' | 'anchor-mismatch' | 'tail-cut';

/**
 * An entry recorded outside the database (a head from an earlier verify, kept in a ticket or a
 * signed mail): its hash commits to every entry up to it, so a chain still holding it unchanged
 * has lost nothing up to there — and a chain that ends before it was cut.
 */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

export interface ChainBreak {
  /** The first entry that no longer proves what it did. */
  seq: number;
  reason: ChainBreakReason;
  detail: string;
}

/**
 * Checks entries in sequence order, one at a time (a chain can be longer than memory): the first
 * break found is the first in the chain, since each check needs only the entry before.
 */
export class ChainVerifier {
  private previous: Pick<AuditEntry, 'seq' | 'hash'> | undefined;
  private count = 0;

  constructor(private readonly anchor?: ChainAnchor) {}

  /** Checks the next entry; returns the break it shows, if any. */
  next(entry: AuditEntry): ChainBreak | undefined {
    const expectedSeq = (this.previous?.seq ?? 0) + 1;
    const expectedLink = this.previous?.hash ?? AUDIT_GENESIS_HASH;
    this.count += 1;
    if (auditEntryHash(entry.prevHash, entry) !== entry.hash) {
      return {
        seq: entry.seq,
        reason: 'content-altered',
        detail: `entry ${entry.seq} does not hash to its recorded hash: its content was changed`,
      };
    }
    if (entry.seq !== expectedSeq) {
      return {
        seq: entry.seq,
        reason: 'entries-missing',
        detail:
          entry.seq > expectedSeq
            ? `entries ${expectedSeq}–${entry.seq - 1} are missing before entry ${entry.seq}`
            : `entry ${entry.seq} is out of sequence (expected ${expectedSeq})`,
      };
    }
    if (entry.prevHash !== expectedLink) {
      return {
        seq: entry.seq,
        reason: 'link-broken',
        detail: `entry ${entry.seq} links to ${entry.prevHash.slice(0, 12)}…, not to the hash of the entry before it (${expectedLink.slice(0, 12)}…)`,
      };
    }
    if (this.anchor && entry.seq === this.anchor.seq && entry.hash !== this.anchor.hash) {
      return {
        seq: entry.seq,
        reason: 'anchor-mismatch',
        detail: `entry ${entry.seq} hashes to ${entry.hash.slice(0, 12)}…, not to the anchored ${this.anchor.hash.slice(0, 12)}…: the chain up to it was rewritten`,
      };
    }
    this.previous = entry;
    return undefined;
  }

  /** After the last entry: the break a chain that ends before its anchor shows, if any. */
  end(): ChainBreak | undefined {
    const last = this.previous?.seq ?? 0;
    if (!this.anchor || last >= this.anchor.seq) return undefined;
    return {
      seq: last + 1,
      reason: 'tail-cut',
      detail: `the chain ends at entry ${last}, before the anchored entry ${this.anchor.seq}: entries ${last + 1}–${this.anchor.seq} or more were removed`,
    };
  }

  /** Whether the anchor was met unchanged (false without one). */
  get anchorMatched(): boolean {
    return this.anchor !== undefined && this.previous !== undefined && this.previous.seq >= this.anchor.seq;
  }

  get checked(): number {
    return this.count;
  }

  get head(): Pick<AuditEntry, 'seq' | 'hash'> | undefined {
    return this.previous;
  }
}

/** Details as the database returns them (jsonb): plain JSON, no undefined, no Date objects. */
function plainJson(details: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
}

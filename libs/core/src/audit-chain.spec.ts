import {
  AUDIT_GENESIS_HASH,
  type AuditEntry,
  auditEntryHash,
  type ChainAnchor,
  ChainVerifier,
  chainEntry,
} from './audit-chain';

function chainOf(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < n; i += 1) {
    entries.push(
      chainEntry(entries.at(-1), {
        at: new Date(Date.UTC(2026, 3, 1, 0, i)).toISOString(),
        actor: 'key:00000000-0000-4000-8000-000000000001',
        actorName: 'alice',
        action: i % 2 ? 'waiver.created' : 'snapshot.stored',
        subjectType: i % 2 ? 'waiver' : 'snapshot',
        subjectId: `s-${i}`,
        scopeId: null,
        details: { n: i, nested: { b: 1, a: [true, null, 'x'] } },
      }),
    );
  }
  return entries;
}

function verify(entries: AuditEntry[], anchor?: ChainAnchor) {
  const verifier = new ChainVerifier(anchor);
  for (const entry of entries) {
    const broken = verifier.next(entry);
    if (broken) return broken;
  }
  return verifier.end();
}

describe('audit chain', () => {
  it('links the first entry to the genesis hash and each next one to the hash before it', () => {
    const [first, second] = chainOf(2);
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(auditEntryHash(first.hash, second));
  });

  it('hashes content independently of key order, as jsonb returns it', () => {
    const [entry] = chainOf(1);
    const reordered = { ...entry, details: { nested: { a: [true, null, 'x'], b: 1 }, n: 0 } };
    expect(auditEntryHash(entry.prevHash, reordered)).toBe(entry.hash);
  });

  it('accepts an intact chain', () => {
    expect(verify(chainOf(50))).toBeUndefined();
  });

  it('names a changed entry as the first break', () => {
    const entries = chainOf(10);
    entries[4] = { ...entries[4], actorName: 'mallory' };
    expect(verify(entries)).toMatchObject({ seq: 5, reason: 'content-altered' });
  });

  it('names a changed entry even when its hash was recomputed, by the link of the next one', () => {
    const entries = chainOf(10);
    const forged = { ...entries[4], details: { n: 999 } };
    entries[4] = { ...forged, hash: auditEntryHash(forged.prevHash, forged) };
    expect(verify(entries)).toMatchObject({ seq: 6, reason: 'link-broken' });
  });

  it('names the entry after a removed one', () => {
    const entries = chainOf(10);
    entries.splice(3, 1);
    expect(verify(entries)).toMatchObject({ seq: 5, reason: 'entries-missing' });
  });

  it('names a removed first entry', () => {
    const entries = chainOf(3).slice(1);
    expect(verify(entries)).toMatchObject({ seq: 2, reason: 'entries-missing' });
  });

  it('names a renumbered chain whose links no longer match', () => {
    const entries = chainOf(6);
    entries.splice(2, 1);
    // An attacker renumbers the rest and recomputes each hash: the link of the first moved entry fails.
    for (let i = 2; i < entries.length; i += 1) {
      const moved = { ...entries[i], seq: i + 1 };
      entries[i] = { ...moved, hash: auditEntryHash(moved.prevHash, moved) };
    }
    expect(verify(entries)).toMatchObject({ seq: 3, reason: 'link-broken' });
  });

  describe('with an anchor kept outside the database', () => {
    it('accepts a chain that still holds the anchored entry unchanged, however long it grew', () => {
      const chain = chainOf(8);
      const anchor = { seq: 5, hash: chain[4].hash };
      const verifier = new ChainVerifier(anchor);
      for (const entry of chain) expect(verifier.next(entry)).toBeUndefined();
      expect(verifier.end()).toBeUndefined();
      expect(verifier.anchorMatched).toBe(true);
    });

    it('names a tail cut before the anchor, which the links alone cannot show', () => {
      const chain = chainOf(8);
      const cut = chain.slice(0, 3);
      expect(verify(cut)).toBeUndefined();
      expect(verify(cut, { seq: 5, hash: chain[4].hash })).toMatchObject({ seq: 4, reason: 'tail-cut' });
      expect(verify([], { seq: 1, hash: chain[0].hash })).toMatchObject({ seq: 1, reason: 'tail-cut' });
    });

    it('names a chain rewritten up to the anchor, even with every link recomputed', () => {
      const chain = chainOf(6);
      const anchor = { seq: 4, hash: chain[3].hash };
      const forged: AuditEntry[] = [];
      for (const entry of chain) {
        const { prevHash: _p, hash: _h, ...content } = entry;
        const details = entry.seq === 2 ? { ...content.details, n: 99 } : content.details;
        forged.push(chainEntry(forged.at(-1), { ...content, details }));
      }
      expect(verify(forged)).toBeUndefined();
      expect(verify(forged, anchor)).toMatchObject({ seq: 4, reason: 'anchor-mismatch' });
    });
  });
});

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';

import { type AuditEntryDto, type EvaluationResponseDto, EvaluationService } from '@driftwatch/application';
import { auditEntryHash, canonicalContent, snapshotContentHash } from '@driftwatch/core';
import { parseNmapXml } from '@driftwatch/nmap';
import { ApiClient } from '@driftwatch/test/api-client';
import { openPortsXml } from '@driftwatch/test/nmap-xml';
import {
  createHttpApp,
  createTestEnvironment,
  httpServer,
  keysForRoles,
  type TestEnvironment,
} from '@driftwatch/test/test-app';

/** Collects a binary response body (supertest buffers text only). */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** Stored evaluations, listed and exported: OSCAL assessment-results and the evidence bundle. */
describe('evaluations and their exports', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let keys: Record<'analyst' | 'auditor' | 'scanner' | 'ci', string>;
  let scopeId: string;
  let work: string;

  const http = () => request(httpServer(app));
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });

  async function importXml(xml: string): Promise<void> {
    const res = await http()
      .post(`/api/v1/scopes/${scopeId}/snapshots`)
      .set(as('scanner'))
      .set('Content-Type', 'application/xml')
      .send(xml)
      .expect(201);
    await new ApiClient(app, keys.analyst).waitForScan((res.body as { scanId: string }).scanId);
  }

  async function evaluations(
    query = '',
  ): Promise<{ items: EvaluationResponseDto[]; nextCursor: string | null }> {
    const res = await http()
      .get(`/api/v1/scopes/${scopeId}/evaluations${query}`)
      .set(as('auditor'))
      .expect(200);
    return res.body as { items: EvaluationResponseDto[]; nextCursor: string | null };
  }

  /** An evaluation's export, as an auditor downloads it. */
  async function download(id: string, what: 'oscal' | 'evidence'): Promise<Buffer> {
    const res = await http()
      .get(`/api/v1/evaluations/${id}/${what}`)
      .set(as('auditor'))
      .buffer(true)
      .parse(binary)
      .expect(200);
    return res.body as Buffer;
  }

  beforeAll(async () => {
    env = await createTestEnvironment({ SCAN_ALLOWED_NETWORKS: '127.0.0.0/8,192.0.2.0/24' });
    app = await createHttpApp(env.config, 'standalone');
    keys = await keysForRoles(app, ['analyst', 'auditor', 'scanner', 'ci']);
    work = mkdtempSync(path.join(tmpdir(), 'dw-evidence-'));
    scopeId = await new ApiClient(app, keys.analyst).createScope({
      name: 'payments',
      targets: ['192.0.2.0/28'],
      ports: [21, 22, 23, 443],
      approvedPorts: [22, 443],
    });
    await importXml(openPortsXml([{ addr: '192.0.2.1', ports: [[22, 'ssh']] }], 1790000000));
    await importXml(
      openPortsXml(
        [
          {
            addr: '192.0.2.1',
            ports: [
              [22, 'ssh'],
              [23, 'telnet'],
            ],
          },
          { addr: '192.0.2.2', ports: [[21, 'ftp']] },
        ],
        1790003600,
      ),
    );
  }, 120_000);

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await app?.close();
    await env?.cleanup();
  });

  it('lists a scope’s evaluations newest first, paged by cursor', async () => {
    const all = await evaluations();
    expect(all.items).toHaveLength(2);
    expect(all.items[0].evaluatedAt >= all.items[1].evaluatedAt).toBe(true);
    expect(all.items[0]).toMatchObject({
      scopeId,
      opened: expect.any(Number),
      failingCount: expect.any(Number),
    });
    expect(all.items[0].failingCount).toBeGreaterThan(all.items[1].failingCount);
    const first = await evaluations('?limit=1');
    expect(first.items.map((e) => e.id)).toEqual([all.items[0].id]);
    const second = await evaluations(`?limit=1&cursor=${first.nextCursor ?? ''}`);
    expect(second.items.map((e) => e.id)).toEqual([all.items[1].id]);
    expect(second.nextCursor).toBeNull();

    const bad = await http().get(`/api/v1/scopes/${scopeId}/evaluations?cursor=bm9wZQ`).set(as('auditor'));
    expect(bad.status).toBe(400);
    expect(JSON.stringify((bad.body as { fields?: unknown }).fields)).toContain('cursor');
    await http()
      .get('/api/v1/evaluations/00000000-0000-4000-8000-000000000000')
      .set(as('auditor'))
      .expect(404);
    await http().get('/api/v1/evaluations/not-a-uuid').set(as('auditor')).expect(400);
  });

  it('each evaluation is what its audit entry recorded', async () => {
    const [latest] = (await evaluations()).items;
    const got = (await http().get(`/api/v1/evaluations/${latest.id}`).set(as('ci')).expect(403)).status;
    expect(got).toBe(403);
    const record = (await http().get(`/api/v1/evaluations/${latest.id}`).set(as('analyst')).expect(200))
      .body as EvaluationResponseDto;
    const trail = await http()
      .get(`/api/v1/audit?subjectType=evaluation&subjectId=${latest.id}`)
      .set(as('auditor'))
      .expect(200);
    const [entry] = (trail.body as { items: AuditEntryDto[] }).items;
    expect(entry.details).toMatchObject({
      snapshotId: record.snapshotId,
      policyVersion: record.policyVersion,
      resultsHash: record.resultsHash,
      failingHash: record.failingHash,
      evaluatedAt: record.evaluatedAt,
    });
  });

  it('exports an evaluation as OSCAL assessment-results naming the requirements, the same bytes every time', async () => {
    const [latest] = (await evaluations()).items;
    const first = await http().get(`/api/v1/evaluations/${latest.id}/oscal`).set(as('auditor')).expect(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    const again = await http().get(`/api/v1/evaluations/${latest.id}/oscal`).set(as('auditor')).expect(200);
    expect(again.text).toBe(first.text);
    // Written in parts, read as one: two-space indented JSON, as JSON.stringify writes it.
    expect(first.text).toBe(JSON.stringify(JSON.parse(first.text), null, 2));
    const document = JSON.parse(first.text) as {
      'assessment-results': {
        results: {
          findings: { target: { 'target-id': string }; description: string }[];
          observations: { subjects?: { title?: string }[] }[];
          'reviewed-controls': {
            'control-selections': { 'include-controls'?: { 'control-id': string }[] }[];
          };
        }[];
      };
    };
    const [result] = document['assessment-results'].results;
    const targets = result.findings.map((f) => f.target['target-id']);
    expect(targets.some((t) => t.endsWith('2.2.7'))).toBe(true);
    expect(
      result.findings.some((f) => f.description.includes('192.0.2.1') && f.description.includes('telnet')),
    ).toBe(true);
    const reviewed = result['reviewed-controls']['control-selections'].flatMap(
      (s) => s['include-controls']?.map((c) => c['control-id']) ?? [],
    );
    expect(reviewed.length).toBeGreaterThanOrEqual(targets.length > 0 ? 1 : 0);
    for (const target of targets) expect(reviewed).toContain(target);
  });

  it('builds an evidence bundle whose manifest, snapshot content and audit entries all check out', async () => {
    const [latest] = (await evaluations()).items;
    const res = await http()
      .get(`/api/v1/evaluations/${latest.id}/evidence`)
      .set(as('auditor'))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['content-disposition']).toContain(`driftwatch-evidence-${latest.id}.tar.gz`);
    const archive = res.body as Buffer;
    const again = await http()
      .get(`/api/v1/evaluations/${latest.id}/evidence`)
      .set(as('auditor'))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(Buffer.compare(again.body as Buffer, archive)).toBe(0);

    const file = path.join(work, 'bundle.tar.gz');
    writeFileSync(file, archive);
    execFileSync('tar', ['-xzf', file, '-C', work]);
    const read = (name: string) => readFileSync(path.join(work, name));
    const manifest = JSON.parse(read('manifest.json').toString('utf8')) as {
      files: { name: string; size: number; sha256: string }[];
    };
    expect(manifest.files.map((f) => f.name)).toEqual([
      'README.txt',
      'audit-chain.json',
      'evaluation.json',
      'findings.json',
      'policy.json',
      'snapshot.json',
      'snapshot.nmap.xml',
    ]);
    for (const entry of manifest.files) {
      const content = read(entry.name);
      expect(content.length).toBe(entry.size);
      expect(createHash('sha256').update(content).digest('hex')).toBe(entry.sha256);
    }

    const snapshot = JSON.parse(read('snapshot.json').toString('utf8')) as {
      id: string;
      contentHash: string;
      recomputedContentHash: string;
      hosts: { ports: Record<string, unknown>[] }[];
    };
    expect(snapshot.recomputedContentHash).toBe(snapshot.contentHash);
    // Each port as stored and hashed, members in one fixed order (the file's bytes are evidence).
    const ports = snapshot.hosts.flatMap((h) => h.ports);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) {
      expect(Object.keys(port)).toEqual(
        ['protocol', 'port', 'state', 'reason', 'service', 'scripts'].filter((k) => k in port),
      );
      expect(port).not.toHaveProperty('tls');
      expect(port).not.toHaveProperty('ssh');
    }
    // The nmap XML, parsed again as an import would be, is the same content.
    const rendered = await parseNmapXml(Readable.from([read('snapshot.nmap.xml')]), { maxBytes: 1 << 20 });
    expect(snapshotContentHash(canonicalContent(rendered.hosts).hosts)).toBe(snapshot.contentHash);
    const { complete, entries } = JSON.parse(read('audit-chain.json').toString('utf8')) as {
      complete: boolean;
      entries: AuditEntryDto[];
    };
    expect(complete).toBe(true);
    expect(entries[0]).toMatchObject({ action: 'snapshot.stored', subjectId: snapshot.id });
    expect(entries.at(-1)).toMatchObject({ action: 'evaluation.recorded', subjectId: latest.id });
    expect(entries[0].details.contentHash).toBe(snapshot.contentHash);
    entries.forEach((entry, i) => {
      expect(auditEntryHash(entry.prevHash, entry)).toBe(entry.hash);
      if (i > 0) expect(entry.prevHash).toBe(entries[i - 1].hash);
    });
    const findings = JSON.parse(read('findings.json').toString('utf8')) as {
      ruleId: string;
      asset: string;
    }[];
    expect(findings).toHaveLength(latest.failingCount);
    expect(findings.some((f) => f.asset === '192.0.2.1' && f.ruleId.includes('cleartext'))).toBe(true);
    const policy = JSON.parse(read('policy.json').toString('utf8')) as { version: string; files: unknown[] };
    expect(policy.version).toBe(latest.policyVersion);
    expect(policy.files.length).toBeGreaterThan(30);
  });
  it('an evaluation’s exports stay the same bytes after later evaluations reword and resolve its findings', async () => {
    const [before] = (await evaluations()).items;
    const oscal = await download(before.id, 'oscal');
    const evidence = await download(before.id, 'evidence');
    // Telnet is gone (its findings resolve) and port 21 now answers as another service (the
    // unapproved-port finding says so): both findings of the earlier evaluation change.
    await importXml(
      openPortsXml(
        [
          { addr: '192.0.2.1', ports: [[22, 'ssh']] },
          { addr: '192.0.2.2', ports: [[21, 'ftp-proxy']] },
        ],
        1790007200,
      ),
    );
    const [after] = (await evaluations()).items;
    expect(after.id).not.toBe(before.id);
    const current = await http()
      .get(`/api/v1/findings?scope=${scopeId}&status=resolved`)
      .set(as('analyst'))
      .expect(200);
    expect((current.body as { items: { subject: string }[] }).items.map((f) => f.subject)).toContain(
      'tcp/23',
    );
    const latestOscal = (await download(after.id, 'oscal')).toString('utf8');
    expect(latestOscal).toContain('ftp-proxy');
    expect(latestOscal).not.toContain('telnet');

    expect((await download(before.id, 'oscal')).equals(oscal)).toBe(true);
    expect((await download(before.id, 'evidence')).equals(evidence)).toBe(true);
    const earlier = oscal.toString('utf8');
    expect(earlier).toContain('telnet');
    expect(earlier).not.toContain('ftp-proxy');
  });

  it('an evaluation’s exports stay the same bytes after a later evaluation of the same moment', async () => {
    const [before] = (await evaluations()).items;
    const oscal = await download(before.id, 'oscal');
    const evidence = await download(before.id, 'evidence');
    // A run older than the scope's latest snapshot: the writer moves its time up to the latest's,
    // so its evaluation judges the same moment (as a re-evaluation under a new policy does). It
    // resolves what the earlier evaluation found and opens telnet on another host.
    await importXml(openPortsXml([{ addr: '192.0.2.5', ports: [[23, 'telnet']] }], 1790000000));
    const [after] = (await evaluations()).items;
    expect(after.id).not.toBe(before.id);
    expect(after.at).toBe(before.at);
    expect((await download(before.id, 'oscal')).equals(oscal)).toBe(true);
    expect((await download(before.id, 'evidence')).equals(evidence)).toBe(true);
    const latest = (await http().get(`/api/v1/evaluations/${after.id}/oscal`).set(as('auditor')).expect(200))
      .text;
    expect(latest).toContain('192.0.2.5');
    expect(oscal.toString('utf8')).not.toContain('192.0.2.5');
    // A baseline of the earlier snapshot approves what its evaluation found failing, not the
    // later evaluation's findings of the same moment.
    const baseline = await http()
      .post(`/api/v1/scopes/${scopeId}/baselines`)
      .set(as('analyst'))
      .send({ snapshotId: before.snapshotId })
      .expect(201);
    expect(before.failingCount).toBeGreaterThan(1);
    expect((baseline.body as { findingCount: number }).findingCount).toBe(before.failingCount);
    // More runs of that moment, each a change: the scope's drift lists them in the order they
    // were stored (it was ordered by snapshot id, a random UUID).
    for (const port of [22, 21, 23, 22]) {
      await importXml(openPortsXml([{ addr: '192.0.2.5', ports: [[port, 'x']] }], 1790000000));
    }
    const snapshots = (
      await http().get(`/api/v1/scopes/${scopeId}/snapshots?limit=100`).set(as('auditor')).expect(200)
    ).body as { items: { id: string; seq: number }[] };
    const seqOf = new Map(snapshots.items.map((x) => [x.id, x.seq]));
    const drift = (
      await http().get(`/api/v1/scopes/${scopeId}/changes?limit=500`).set(as('auditor')).expect(200)
    ).body as { items: { snapshotId: string }[] };
    const order = drift.items.map((c) => seqOf.get(c.snapshotId) ?? -1);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(new Set(order).size).toBeGreaterThanOrEqual(6);
  });

  it('an evaluation’s exports stay the same bytes after its scope is renamed', async () => {
    const [latest] = (await evaluations()).items;
    const oscal = await download(latest.id, 'oscal');
    const evidence = await download(latest.id, 'evidence');
    expect(oscal.toString('utf8')).toContain('payments');
    await http()
      .patch(`/api/v1/scopes/${scopeId}`)
      .set(as('analyst'))
      .send({ name: 'card-payments-renamed' })
      .expect(200);
    const renamed = await download(latest.id, 'oscal');
    expect(renamed.toString('utf8')).not.toContain('renamed');
    expect(renamed.equals(oscal)).toBe(true);
    expect((await download(latest.id, 'evidence')).equals(evidence)).toBe(true);
  });

  // Last: the filler entries below break the chain for any later verify.
  it('carries only the two proving entries, and says so, when 10,000 entries lie between them', async () => {
    // Other scopes' activity between a snapshot and a later evaluation of it (a re-judgement).
    await app.get(DataSource).query(
      `INSERT INTO audit_entries (seq, at, actor, actor_name, action, subject_type, subject_id, details, prev_hash, hash)
       SELECT m + g, now(), 'system', 'filler', 'scope.updated', 'scope', 'other', '{}', repeat('0', 64),
              encode(sha256(convert_to('filler ' || g, 'UTF8')), 'hex')
       FROM (SELECT max(seq) AS m FROM audit_entries) last, generate_series(1, 10000) g`,
    );
    await app.get(EvaluationService).evaluateScopeConfig(scopeId);
    const [latest] = (await evaluations()).items;
    const dir = mkdtempSync(path.join(work, 'gap-'));
    writeFileSync(path.join(dir, 'bundle.tar.gz'), await download(latest.id, 'evidence'));
    execFileSync('tar', ['-xzf', path.join(dir, 'bundle.tar.gz'), '-C', dir]);
    const chain = JSON.parse(readFileSync(path.join(dir, 'audit-chain.json'), 'utf8')) as {
      complete: boolean;
      entries: AuditEntryDto[];
    };
    expect(chain.complete).toBe(false);
    expect(chain.entries.map((e) => e.action)).toEqual(['snapshot.stored', 'evaluation.recorded']);
    expect(chain.entries[1].seq - chain.entries[0].seq).toBeGreaterThan(10_000);
    expect(readFileSync(path.join(dir, 'README.txt'), 'utf8')).toContain('"complete": false');
  });
});

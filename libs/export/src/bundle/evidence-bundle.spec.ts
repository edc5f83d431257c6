import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';

import { canonicalJson, sha256Hex } from '@driftwatch/core';

import { type EvidenceManifest, evidenceBundle, MANIFEST_NAME } from './evidence-bundle';

const run = promisify(execFile);
const MTIME = new Date('2026-04-02T08:30:00Z');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const files = [
  { name: 'snapshot/nmap.xml', content: '<?xml version="1.0"?><nmaprun scanner="nmap"></nmaprun>\n' },
  { name: 'findings.json', content: JSON.stringify([{ ruleId: 'pci.2.2.7.cleartext' }]) },
  { name: 'policy-version.txt', content: 'pci-dss-v4@3f2a\n' },
  { name: 'chain/entries.json', content: Buffer.from('[{"seq":1}]') },
];

describe('evidence bundle', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'driftwatch-bundle-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function extract(bundle: Readable): Promise<string> {
    const archive = path.join(dir, 'bundle.tar.gz');
    await writeFile(archive, await buffer(bundle));
    const out = path.join(dir, 'out');
    await run('mkdir', [out]);
    await run('tar', ['-xzf', archive, '-C', out]);
    return out;
  }

  it('holds every file byte for byte and a manifest whose sha256 values match them', async () => {
    const out = await extract(evidenceBundle({ files, mtime: MTIME }));
    const manifest = JSON.parse(await readFile(path.join(out, MANIFEST_NAME), 'utf8')) as EvidenceManifest;
    expect(manifest.files.map((f) => f.name)).toEqual([
      'chain/entries.json',
      'findings.json',
      'policy-version.txt',
      'snapshot/nmap.xml',
    ]);
    for (const entry of manifest.files) {
      const given = files.find((f) => f.name === entry.name)!;
      const expected = typeof given.content === 'string' ? Buffer.from(given.content) : given.content;
      const actual = await readFile(path.join(out, entry.name));
      expect(actual.equals(expected)).toBe(true);
      expect(entry.sha256).toBe(sha256(actual));
      expect(entry.size).toBe(actual.length);
    }
    expect(manifest.filesSha256).toBe(sha256Hex(canonicalJson(manifest.files)));
  });

  it('lists the manifest first, then the files by name', async () => {
    const archive = path.join(dir, 'bundle.tar.gz');
    await writeFile(archive, await buffer(evidenceBundle({ files, mtime: MTIME })));
    const { stdout } = await run('tar', ['-tzf', archive]);
    expect(stdout.trim().split('\n')).toEqual([
      'manifest.json',
      'chain/entries.json',
      'findings.json',
      'policy-version.txt',
      'snapshot/nmap.xml',
    ]);
  });

  it('is byte-identical for the same files in any order', async () => {
    const a = await buffer(evidenceBundle({ files, mtime: MTIME }));
    const b = await buffer(evidenceBundle({ files: [...files].reverse(), mtime: MTIME }));
    expect(sha256(a)).toBe(sha256(b));
  });

  it('is byte-identical when a file is given as its buffers rather than whole', async () => {
    const whole = await buffer(evidenceBundle({ files, mtime: MTIME }));
    const split = files.map((f) => {
      const bytes = Buffer.from(f.content);
      return { name: f.name, content: [bytes.subarray(0, 3), bytes.subarray(3)] };
    });
    expect((await buffer(evidenceBundle({ files: split, mtime: MTIME }))).equals(whole)).toBe(true);
  });

  it('changes its manifest hash when any file changes', async () => {
    const read = async (bundle: Readable) => {
      const out = await extract(bundle);
      const manifest = JSON.parse(await readFile(path.join(out, MANIFEST_NAME), 'utf8')) as EvidenceManifest;
      await rm(out, { recursive: true });
      return manifest.filesSha256;
    };
    const before = await read(evidenceBundle({ files, mtime: MTIME }));
    const tampered = files.map((f) => (f.name === 'findings.json' ? { ...f, content: '[]' } : f));
    expect(await read(evidenceBundle({ files: tampered, mtime: MTIME }))).not.toBe(before);
  });

  it('refuses a file named like the manifest or with an unsafe name', () => {
    expect(() => evidenceBundle({ files: [{ name: MANIFEST_NAME, content: '{}' }], mtime: MTIME })).toThrow(
      /reserved/,
    );
    expect(() => evidenceBundle({ files: [{ name: '../x', content: '' }], mtime: MTIME })).toThrow(/\.\./);
  });
});

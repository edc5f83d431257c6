import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';

import { ArchiveNameError, tar, tarGz, ustarName } from './tar';

const run = promisify(execFile);
const MTIME = new Date('2026-03-31T12:00:00Z');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('ustar writer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'driftwatch-tar-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
  const files = [
    { name: 'a.txt', content: 'hello\n' },
    { name: 'nested/dir/binary.bin', content: Buffer.from([0, 1, 2, 255, 254, 10, 13]) },
    { name: 'empty', content: '' },
    { name: 'exactly-512', content: Buffer.alloc(512, 0x61) },
    { name: 'ünïcödé.json', content: '{"x":"ü"}' },
    { name: `${longDir}/${'f'.repeat(90)}.xml`, content: '<nmaprun/>' },
  ];

  it('writes an archive GNU tar extracts byte for byte', async () => {
    const archive = path.join(dir, 'out.tar.gz');
    await writeFile(archive, await buffer(tarGz(files, { mtime: MTIME })));
    const out = path.join(dir, 'x');
    await run('mkdir', [out]);
    await run('tar', ['-xzf', archive, '-C', out]);
    for (const f of files) {
      const expected = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
      const actual = await readFile(path.join(out, f.name));
      expect(sha256(actual)).toBe(sha256(expected));
      expect(actual.equals(expected)).toBe(true);
    }
  });

  it('lists every entry as a 0644 regular file with the given mtime', async () => {
    const archive = path.join(dir, 'out.tar.gz');
    await writeFile(archive, await buffer(tarGz(files, { mtime: MTIME })));
    const { stdout } = await run('tar', ['--utc', '--numeric-owner', '-tvzf', archive]);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(files.length);
    files.forEach((f, i) => {
      const size = typeof f.content === 'string' ? Buffer.byteLength(f.content) : f.content.length;
      expect(lines[i]).toMatch(/^-rw-r--r-- 0\/0 +\d+ 2026-03-31 12:00 /);
      expect(lines[i]).toContain(` ${size} `);
      expect(lines[i].endsWith(f.name)).toBe(true);
    });
  });

  it('writes valid header checksums, two zero blocks and whole 10240-byte records', () => {
    const bytes = tar(files.slice(0, 1), { mtime: MTIME });
    expect(bytes.length % 10240).toBe(0);
    const header = Buffer.from(bytes.subarray(0, 512));
    const stored = parseInt(header.subarray(148, 154).toString('ascii'), 8);
    header.fill(0x20, 148, 156);
    expect(header.reduce((n, b) => n + b, 0)).toBe(stored);
    expect(header.subarray(257, 265).toString('latin1')).toBe('ustar\u000000');
    expect(bytes.subarray(1024, 2048).every((b) => b === 0)).toBe(true);
  });

  it('is reproducible: the same files and mtime give the same bytes', async () => {
    const once = await buffer(tarGz(files, { mtime: MTIME }));
    expect(once.equals(await buffer(tarGz(files, { mtime: MTIME })))).toBe(true);
    expect(gunzipSync(once).equals(tar(files, { mtime: MTIME }))).toBe(true);
    // Streamed compression writes what one-shot compression of the whole archive writes.
    expect(once.equals(gzipSync(tar(files, { mtime: MTIME }), { level: 9 }))).toBe(true);
  });

  it('archives a file given as its buffers exactly as the same file given whole', async () => {
    const whole = Buffer.from('x'.repeat(700) + 'ü'.repeat(300));
    const chunks = [whole.subarray(0, 1), whole.subarray(1, 513), whole.subarray(513)];
    const large = { name: 'snapshot.json', content: whole };
    expect(
      tar([{ ...large, content: chunks }], { mtime: MTIME }).equals(tar([large], { mtime: MTIME })),
    ).toBe(true);
    const streamed = await buffer(tarGz([{ ...large, content: chunks }], { mtime: MTIME }));
    expect(streamed.equals(await buffer(tarGz([large], { mtime: MTIME })))).toBe(true);
  });

  it('refuses a bad archive when it is asked for, before any byte is streamed', () => {
    const twice = [
      { name: 'a', content: '1' },
      { name: 'a', content: '2' },
    ];
    expect(() => tarGz(twice, { mtime: MTIME })).toThrow(/twice/);
    expect(() => tarGz([{ name: '../x', content: [Buffer.from('x')] }], { mtime: MTIME })).toThrow(
      ArchiveNameError,
    );
    expect(() => tarGz(files, { mtime: new Date(Number.NaN) })).toThrow(RangeError);
  });

  it('uses the prefix field for a long name', () => {
    const { name, prefix } = ustarName(`${longDir}/${'f'.repeat(90)}.xml`);
    expect(prefix.toString()).toBe(longDir);
    expect(name.toString()).toBe(`${'f'.repeat(90)}.xml`);
  });

  it.each([
    ['../etc/passwd', /\.\./],
    ['a/../../b', /\.\./],
    ['/etc/passwd', /absolute/],
    ['C:/windows', /absolute/],
    ['nul\0byte', /NUL/],
    ['', /empty/],
    ['a//b', /empty or "\."/],
    ['dir/', /empty or "\."/],
    ['./a', /empty or "\."/],
    ['a\\..\\b', /backslash/],
    ['x'.repeat(101), /does not fit/],
    [`${'p'.repeat(156)}/name`, /does not fit/],
  ])('refuses the unsafe or unwritable name %j', (name, reason) => {
    expect(() => tar([{ name, content: 'x' }], { mtime: MTIME })).toThrow(reason);
    expect(() => tar([{ name, content: 'x' }], { mtime: MTIME })).toThrow(ArchiveNameError);
  });

  it('refuses the same name twice', () => {
    expect(() =>
      tar(
        [
          { name: 'a', content: '1' },
          { name: 'a', content: '2' },
        ],
        { mtime: MTIME },
      ),
    ).toThrow(/twice/);
  });
});

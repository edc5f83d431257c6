import { constants, type Dirent } from 'node:fs';
import { type FileHandle, lstat, open, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import {
  countNewlines,
  maskPanLike,
  PAN_SCAN_CONTEXT_CHARS,
  PAN_SCAN_MAX_INTEGER,
  PAN_SCAN_MAX_LINES,
  PAN_SCAN_MAX_SAMPLES,
  type PanBrand,
  type PanMatch,
  type PanScanFile,
  type PanScanReport,
  type PanScanSkippedFile,
  scanPanText,
} from '@driftwatch/config-state/pan';

export interface PanScanPathOptions {
  /** Files larger than this are skipped and reported (default 64 MiB). */
  maxFileBytes?: number;
  /** Stop after scanning this many files (the report is then `truncated`). */
  maxFiles?: number;
  /** Symbolic links are never followed: they are reported as skipped. */
  followSymlinks?: false;
  /**
   * Names or globs to leave out: an entry is excluded when one matches its name or its path
   * relative to root (`*` and `?` within a path segment, `**` across segments).
   */
  exclude?: string[];
  /** Stop (truncated) before more bytes than this would be read; at most PAN_SCAN_MAX_INTEGER. */
  maxTotalBytes?: number;
  /** Read size (default 1 MiB); each chunk is scanned with the tail of the previous one. */
  chunkBytes?: number;
}

const MIB = 1024 * 1024;
const DEFAULT_MAX_FILE_BYTES = 64 * MIB;
const DEFAULT_CHUNK_BYTES = MIB;
/**
 * An unfinished chain of digit groups is carried into the next chunk; one longer than this (a
 * numeric dump with single spaces) is judged at the cut instead, so memory stays bounded.
 */
const MAX_CARRY_CHARS = 64 * 1024;

interface FileTally {
  count: number;
  brands: Partial<Record<PanBrand, number>>;
  samples: string[];
  lines: number[];
}

interface ScanState {
  readonly options: Required<Omit<PanScanPathOptions, 'followSymlinks' | 'exclude' | 'maxFiles'>> & {
    maxFiles: number;
  };
  readonly exclude: readonly RegExp[];
  readonly buffer: Buffer;
  scannedFiles: number;
  bytesScanned: number;
  testNumbers: number;
  truncated: boolean;
  files: PanScanFile[];
  skipped: PanScanSkippedFile[];
}

/**
 * Walks `root` (without following symbolic links) and counts card numbers per file, reading each
 * file in chunks decoded as latin1 so binary files and database dumps are scanned too (digits are
 * ASCII in every encoding that matters here), except UTF-16 text (Windows exports, PowerShell
 * output), found by its byte-order mark or its shape (sniffEncoding), which is decoded as such:
 * read as latin1 its digits are NUL-separated and no number would be seen. The report holds
 * counts, masked samples and line numbers only; paths are relative to root, `/`-separated, with
 * every run of 13+ digits and every card-shaped number in them masked. Order is deterministic
 * (by path).
 */
export async function scanPathForPans(
  root: string,
  options: PanScanPathOptions = {},
): Promise<PanScanReport> {
  const absRoot = resolve(root);
  const state: ScanState = {
    options: {
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      maxFiles: options.maxFiles ?? Number.POSITIVE_INFINITY,
      maxTotalBytes: Math.min(options.maxTotalBytes ?? PAN_SCAN_MAX_INTEGER, PAN_SCAN_MAX_INTEGER),
      chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    },
    exclude: (options.exclude ?? []).map(globToRegExp),
    buffer: Buffer.alloc(options.chunkBytes ?? DEFAULT_CHUNK_BYTES),
    scannedFiles: 0,
    bytesScanned: 0,
    testNumbers: 0,
    truncated: false,
    files: [],
    skipped: [],
  };
  try {
    const rootStat = await stat(absRoot).catch((error: unknown) => {
      throw new DriftwatchError(
        ErrorCode.ValidationFailed,
        `cannot scan ${maskPanLike(absRoot)}: ${errorCode(error) ?? 'not readable'}`,
      );
    });
    if (rootStat.isDirectory()) await walk(state, absRoot);
    else if (rootStat.isFile()) await scanEntry(state, absRoot, basename(absRoot));
    else
      throw new DriftwatchError(
        ErrorCode.ValidationFailed,
        `cannot scan ${maskPanLike(absRoot)}: not a file or directory`,
      );
  } finally {
    state.buffer.fill(0);
  }
  const byPath = (a: { path: string }, b: { path: string }): number =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  return {
    root: maskPanLike(absRoot),
    scannedFiles: state.scannedFiles,
    skippedFiles: state.skipped.sort(byPath),
    bytesScanned: state.bytesScanned,
    totalMatches: state.files.reduce((sum, f) => sum + f.count, 0),
    testNumbers: state.testNumbers,
    files: state.files.sort(byPath),
    ...(state.truncated ? { truncated: true } : {}),
  };
}

async function walk(state: ScanState, absRoot: string): Promise<void> {
  // Depth first, entries by name: the same tree gives the same scan, and the same truncation.
  const pending: string[] = [''];
  while (pending.length > 0 && !state.truncated) {
    const dir = pending.pop() ?? '';
    let entries: Dirent[];
    try {
      entries = await readdir(join(absRoot, dir), { withFileTypes: true });
    } catch (error: unknown) {
      skip(state, dir === '' ? '.' : dir, `unreadable directory (${errorCode(error) ?? 'error'})`);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const entry of entries) {
      if (state.truncated) return;
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (excluded(state, rel, entry.name)) continue;
      // lstat rather than the dirent's type: some file systems report "unknown".
      let kind: 'dir' | 'file' | 'symlink' | 'special';
      try {
        kind = entryKind(await lstat(join(absRoot, rel)));
      } catch (error: unknown) {
        skip(state, rel, `unreadable (${errorCode(error) ?? 'error'})`);
        continue;
      }
      if (kind === 'dir') subdirs.push(rel);
      else if (kind === 'symlink') skip(state, rel, 'symbolic link, not followed');
      else if (kind === 'special') skip(state, rel, 'special file (device, FIFO or socket), not read');
      else await scanEntry(state, join(absRoot, rel), rel);
    }
    pending.push(...subdirs.reverse());
  }
}

function entryKind(s: {
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}): 'dir' | 'file' | 'symlink' | 'special' {
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isDirectory()) return 'dir';
  return s.isFile() ? 'file' : 'special';
}

async function scanEntry(state: ScanState, abs: string, rel: string): Promise<void> {
  if (state.scannedFiles >= state.options.maxFiles) {
    state.truncated = true;
    return;
  }
  let handle: FileHandle;
  try {
    // O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO since lstat is not followed or waited on.
    handle = await open(abs, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error: unknown) {
    const code = errorCode(error);
    skip(state, rel, code === 'ELOOP' ? 'symbolic link, not followed' : `unreadable (${code ?? 'error'})`);
    return;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return skip(state, rel, 'special file (device, FIFO or socket), not read');
    if (info.size > state.options.maxFileBytes) {
      return skip(
        state,
        rel,
        `larger than the limit of ${bytes(state.options.maxFileBytes)} (${bytes(info.size)})`,
      );
    }
    if (state.bytesScanned + info.size > state.options.maxTotalBytes) {
      state.truncated = true;
      return;
    }
    const tally = await scanHandle(state, handle, info.size);
    state.scannedFiles++;
    if (tally.count > 0) state.files.push({ path: maskPanLike(rel), ...tally });
  } catch (error: unknown) {
    skip(state, rel, `unreadable (${errorCode(error) ?? 'error'})`);
  } finally {
    await handle.close();
  }
}

type TextEncoding = 'latin1' | 'utf16le' | 'utf16be';

/** Bytes read from a file's start to tell UTF-16 text from the rest. */
const SNIFF_BYTES = 4096;

/**
 * UTF-16 by its byte-order mark, or by its shape, judged for each byte order. Letters of most
 * scripts (Cyrillic, Greek, CJK) have no zero byte in UTF-16, so a share of zero bytes cannot be
 * asked for; what every UTF-16 text has is ASCII and Latin-1 characters (digits, spaces, line
 * breaks, punctuation: a zero byte beside the character, always on the same side). The head is
 * UTF-16 of a byte order when, read in that order:
 * - at least 8 characters are such (half the head when it is shorter),
 * - the zero bytes are on that side: at most one in 8 on the other (a character U+xx00),
 * - it decodes cleanly: at most 1% control characters (NUL included), unpaired surrogates or
 *   non-characters, which binary data is full of (and a NUL on both sides is a control),
 * - at most half its other characters are two printable ASCII bytes: 8-bit text with a few NUL
 *   bytes (a NUL-separated list) reads as such pairs, text of a real script rarely does.
 * Text in UTF-8 or latin1 has no zero bytes at all, so no such characters.
 */
export function sniffEncoding(head: Buffer): { encoding: TextEncoding; skip: number } {
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', skip: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', skip: 2 };
  if (head.length < 16) return { encoding: 'latin1', skip: 0 };
  for (const encoding of ['utf16le', 'utf16be'] as const)
    if (looksLikeUtf16(head, encoding === 'utf16le' ? 1 : 0)) return { encoding, skip: 0 };
  return { encoding: 'latin1', skip: 0 };
}

/** `high` is the offset of each code unit's high byte: 1 for little endian, 0 for big endian. */
function looksLikeUtf16(head: Buffer, high: 0 | 1): boolean {
  const units = Math.floor(head.length / 2);
  let latin = 0;
  let zerosHigh = 0;
  let zerosLow = 0;
  let bad = 0;
  let asciiPairs = 0;
  for (let i = 0; i < units; i++) {
    const hi = head[2 * i + high] ?? 0;
    const lo = head[2 * i + 1 - high] ?? 0;
    const unit = (hi << 8) | lo;
    if (hi === 0) zerosHigh++;
    if (lo === 0) zerosLow++;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      // A high surrogate needs a low one next; the head may end between the two.
      const next =
        i + 1 < units ? ((head[2 * i + 2 + high] ?? 0) << 8) | (head[2 * i + 3 - high] ?? 0) : 0xdc00;
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else bad++;
    } else if (
      (unit < 0x20 && unit !== 0x09 && unit !== 0x0a && unit !== 0x0c && unit !== 0x0d) ||
      (unit >= 0x7f && unit <= 0x9f) ||
      (unit >= 0xdc00 && unit <= 0xdfff) ||
      unit >= 0xfffe
    )
      bad++;
    else if (hi === 0) latin++;
    else if (isPrintableAscii(hi) && isPrintableAscii(lo)) asciiPairs++;
  }
  const others = units - latin - bad;
  return (
    latin >= Math.min(8, units / 2) &&
    zerosLow * 8 <= zerosHigh &&
    bad * 100 <= units &&
    asciiPairs * 2 <= others
  );
}

function isPrintableAscii(byte: number): boolean {
  return byte >= 0x20 && byte <= 0x7e;
}

function decode(buffer: Buffer, length: number, encoding: TextEncoding): string {
  if (encoding === 'latin1') return buffer.toString('latin1', 0, length);
  const even = length - (length % 2);
  if (encoding === 'utf16be') buffer.subarray(0, even).swap16();
  return buffer.toString('utf16le', 0, even);
}

/** Reads the first `size` bytes in chunks; a number across a chunk boundary is seen once, whole. */
async function scanHandle(state: ScanState, handle: FileHandle, size: number): Promise<FileTally> {
  const tally: FileTally = { count: 0, brands: {}, samples: [], lines: [] };
  const { buffer } = state;
  const head = buffer.length >= SNIFF_BYTES ? buffer : Buffer.alloc(SNIFF_BYTES);
  const { bytesRead: headBytes } = await handle.read(head, 0, Math.min(SNIFF_BYTES, size), 0);
  const sniffed = sniffEncoding(head.subarray(0, headBytes));
  // UTF-16 is read two bytes at a time: a chunk never splits a code unit.
  const utf16 = sniffed.encoding !== 'latin1' && buffer.length >= 2;
  const encoding = utf16 ? sniffed.encoding : 'latin1';
  const chunk = utf16 ? buffer.length - (buffer.length % 2) : buffer.length;
  let carry = '';
  let from = 0;
  let lineOffset = 0;
  let position = utf16 ? sniffed.skip : 0;
  state.bytesScanned += position;
  for (;;) {
    const want = Math.min(chunk, size - position);
    const { bytesRead } = want > 0 ? await handle.read(buffer, 0, want, position) : { bytesRead: 0 };
    position += bytesRead;
    state.bytesScanned += bytesRead;
    // A file that shrank while read ends early; one that grew is read up to its size at open.
    const final = bytesRead === 0 || position >= size;
    const text = carry + decode(buffer, bytesRead, encoding);
    let result = scanPanText(text, { from, final, lineOffset });
    tallyMatches(state, tally, result.matches, result.testNumbers);
    if (final) break;
    if (text.length - result.resumeAt > MAX_CARRY_CHARS) {
      result = scanPanText(text, { from: result.resumeAt, final: true, lineOffset });
      tallyMatches(state, tally, result.matches, result.testNumbers);
    }
    const keep = Math.max(0, result.resumeAt - PAN_SCAN_CONTEXT_CHARS);
    lineOffset += countNewlines(text, 0, keep);
    carry = text.slice(keep);
    from = result.resumeAt - keep;
  }
  return tally;
}

function tallyMatches(
  state: ScanState,
  tally: FileTally,
  matches: readonly PanMatch[],
  testNumbers: number,
): void {
  state.testNumbers += testNumbers;
  for (const m of matches) {
    tally.count++;
    tally.brands[m.brand] = (tally.brands[m.brand] ?? 0) + 1;
    if (tally.samples.length < PAN_SCAN_MAX_SAMPLES && !tally.samples.includes(m.masked))
      tally.samples.push(m.masked);
    if (tally.lines.length < PAN_SCAN_MAX_LINES && tally.lines[tally.lines.length - 1] !== m.line)
      tally.lines.push(m.line);
  }
}

function skip(state: ScanState, rel: string, reason: string): void {
  state.skipped.push({ path: maskPanLike(rel), reason });
}

function excluded(state: ScanState, rel: string, name: string): boolean {
  return state.exclude.some((re) => re.test(name) || re.test(rel));
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        source += '(?:.*/)?';
        i++;
      } else source += '.*';
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** A size for a reason text: never so many digits that the report's schema or PAN check could object. */
function bytes(n: number): string {
  return n < 1_000_000_000 ? `${n} bytes` : `${(n / 2 ** 30).toFixed(1)} GiB`;
}

/** An errno code (EACCES, ENOENT...) and nothing else: messages carry paths. */
function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

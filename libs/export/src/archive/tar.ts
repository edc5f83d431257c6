import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';

/**
 * A minimal POSIX ustar writer (IEEE Std 1003.1, pax "ustar Interchange Format"): regular files
 * only, mode 0644, owner 0:0, one modification time chosen by the caller, so the same files
 * always make the same bytes. Names longer than 100 bytes use the ustar prefix field.
 */
export interface ArchiveFile {
  /** Relative path with `/` separators, e.g. "evidence/snapshot.xml". */
  name: string;
  /** The bytes, or the buffers they are made of, in order: a large file need not be one string. */
  content: Buffer | string | readonly Buffer[];
}

export interface TarOptions {
  /** Modification time of every entry (reproducible archives take it from the data, not the clock). */
  mtime: Date;
}

const BLOCK = 512;
/** tar's default record: 20 blocks; the archive is padded to a whole record. */
const RECORD = 20 * BLOCK;
/** The size field holds 11 octal digits. */
const MAX_SIZE = 8 ** 11 - 1;

export class ArchiveNameError extends Error {
  constructor(
    readonly entryName: string,
    reason: string,
  ) {
    super(`archive entry name ${JSON.stringify(entryName)} ${reason}`);
    this.name = 'ArchiveNameError';
  }
}

/** An uncompressed ustar archive of `files`, in the given order. */
export function tar(files: readonly ArchiveFile[], options: TarOptions): Buffer {
  return Buffer.concat(tarBuffers(files, options));
}

/**
 * `tar` compressed with gzip (RFC 1952; node's zlib writes no name and mtime 0 in the gzip header),
 * as a stream: zlib compresses on libuv's threads, so a large archive never holds the event loop,
 * and the archive is never one buffer. Every check (names, sizes, mtime) runs before it is returned.
 */
export function tarGz(files: readonly ArchiveFile[], options: TarOptions): Readable {
  const gzip = createGzip({ level: 9 });
  // An array source cannot fail; a failing gzip is reported to the reader by the gzip stream.
  pipeline(Readable.from(tarBuffers(files, options)), gzip, () => undefined);
  return gzip;
}

/** The archive as the buffers it is made of: headers, the files' own buffers, padding. */
function tarBuffers(files: readonly ArchiveFile[], options: TarOptions): Buffer[] {
  const mtime = Math.floor(options.mtime.getTime() / 1000);
  if (!Number.isFinite(mtime) || mtime < 0 || mtime > MAX_SIZE) {
    throw new RangeError(`tar: mtime ${options.mtime.toString()} cannot be written`);
  }
  const seen = new Set<string>();
  const parts: Buffer[] = [];
  for (const file of files) {
    if (seen.has(file.name)) throw new ArchiveNameError(file.name, 'is given twice');
    seen.add(file.name);
    const chunks = contentChunks(file.content);
    const length = chunks.reduce((n, c) => n + c.length, 0);
    if (length > MAX_SIZE) throw new RangeError(`tar: ${file.name} is larger than ustar allows`);
    parts.push(header(file.name, length, mtime), ...chunks, Buffer.alloc(padding(length)));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  const size = parts.reduce((n, p) => n + p.length, 0);
  parts.push(Buffer.alloc((RECORD - (size % RECORD)) % RECORD));
  return parts;
}

/** A file's content as buffers, in order. */
export function contentChunks(content: ArchiveFile['content']): readonly Buffer[] {
  if (typeof content === 'string') return [Buffer.from(content, 'utf8')];
  return Buffer.isBuffer(content) ? [content] : content;
}

function padding(length: number): number {
  return (BLOCK - (length % BLOCK)) % BLOCK;
}

/** The ustar name and prefix fields of `name`, or an error when it is unsafe or too long. */
export function ustarName(name: string): { name: Buffer; prefix: Buffer } {
  if (name === '') throw new ArchiveNameError(name, 'is empty');
  if (name.includes('\0')) throw new ArchiveNameError(name, 'contains NUL');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new ArchiveNameError(name, 'is absolute');
  if (name.includes('\\')) throw new ArchiveNameError(name, 'contains a backslash');
  const segments = name.split('/');
  if (segments.some((s) => s === '..')) throw new ArchiveNameError(name, 'contains ".."');
  if (segments.some((s) => s === '' || s === '.')) {
    throw new ArchiveNameError(name, 'has an empty or "." segment');
  }
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= 100) return { name: bytes, prefix: Buffer.alloc(0) };
  // Split at a "/" so that the prefix holds at most 155 bytes and the name at most 100.
  for (let i = bytes.length - 1; i > 0; i--) {
    if (bytes[i] !== 0x2f) continue;
    const prefix = bytes.subarray(0, i);
    const rest = bytes.subarray(i + 1);
    if (rest.length > 100) break;
    if (prefix.length <= 155) return { name: rest, prefix };
  }
  throw new ArchiveNameError(name, 'does not fit the ustar name and prefix fields');
}

function header(name: string, size: number, mtime: number): Buffer {
  const fields = ustarName(name);
  const block = Buffer.alloc(BLOCK);
  fields.name.copy(block, 0);
  block.write(octal(0o644, 7), 100, 'ascii'); // mode
  block.write(octal(0, 7), 108, 'ascii'); // uid
  block.write(octal(0, 7), 116, 'ascii'); // gid
  block.write(octal(size, 11), 124, 'ascii');
  block.write(octal(mtime, 11), 136, 'ascii');
  block.write(' '.repeat(8), 148, 'ascii'); // checksum counted as spaces
  block.write('0', 156, 'ascii'); // typeflag: regular file
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  block.write(octal(0, 7), 329, 'ascii'); // devmajor
  block.write(octal(0, 7), 337, 'ascii'); // devminor
  fields.prefix.copy(block, 345);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** `digits` octal digits then NUL. */
function octal(value: number, digits: number): string {
  return `${value.toString(8).padStart(digits, '0')}\0`;
}

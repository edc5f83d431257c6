import type { HostAddress } from '@driftwatch/core';

/** One `<host>…</host>` element of an nmap XML document, found without parsing it. */
export interface HostBlock {
  start: number;
  end: number;
  addresses: Pick<HostAddress, 'addr' | 'type'>[];
}

export interface HostBlocks {
  blocks: HostBlock[];
  /** Byte offset of the first host and of the end of the last: head and tail of the document. */
  headEnd: number;
  tailStart: number;
}

const HOST_SPACED = Buffer.from('<host ');
const HOST_BARE = Buffer.from('<host>');
const HOST_CLOSE = Buffer.from('</host>');
const ADDRESS_TAG = Buffer.from('<address addr="');
const ADDRTYPE = Buffer.from('" addrtype="');
const TIMES = Buffer.from('<times ');
const EMPTY_END = Buffer.from('/>');
const QUOTE = 0x22;
const GT = 0x3e;
const ADDRESS_TYPES = new Set(['ipv4', 'ipv6', 'mac']);

/**
 * Finds the host elements of nmap's XML by their tags, on the raw bytes (every marker is ASCII,
 * so any ASCII-compatible declared encoding works). nmap escapes '<' in every attribute and
 * text and writes no comments or CDATA inside hosts, so a `<host ` or `<host>` tag always
 * starts a host. Returns undefined when the document does not have that regular shape;
 * callers then parse it whole.
 */
export function splitHostBlocks(xml: Buffer): HostBlocks | undefined {
  const blocks: HostBlock[] = [];
  const tags = new HostTagCursor(xml);
  for (let start = tags.next(0); start >= 0;) {
    const close = xml.indexOf(HOST_CLOSE, start);
    if (close < 0) return undefined;
    const end = close + HOST_CLOSE.length;
    const next = tags.next(start + 1);
    if (next >= 0 && next < close) return undefined; // a host inside a host: not nmap's shape
    const addresses = blockAddresses(xml, start, end);
    if (!addresses) return undefined;
    blocks.push({ start, end, addresses });
    start = next;
  }
  const first = blocks[0];
  const last = blocks[blocks.length - 1];
  if (!first || !last) return undefined;
  return { blocks, headEnd: first.start, tailStart: last.end };
}

/** `<host ` and `<host>` tags (not `<hostnames>`, `<hosthint>`): each searched once through the document. */
class HostTagCursor {
  private spaced = -2;
  private bare = -2;

  constructor(private readonly xml: Buffer) {}

  next(from: number): number {
    if (this.spaced !== -1 && this.spaced < from) this.spaced = this.xml.indexOf(HOST_SPACED, from);
    if (this.bare !== -1 && this.bare < from) this.bare = this.xml.indexOf(HOST_BARE, from);
    if (this.spaced < 0) return this.bare;
    if (this.bare < 0) return this.spaced;
    return Math.min(this.spaced, this.bare);
  }
}

/** The block's <address> elements, in nmap's fixed attribute order (addr, then addrtype). */
function blockAddresses(xml: Buffer, start: number, end: number): HostBlock['addresses'] | undefined {
  const addresses: HostBlock['addresses'] = [];
  for (let i = xml.indexOf(ADDRESS_TAG, start); i >= 0 && i < end; i = xml.indexOf(ADDRESS_TAG, i + 1)) {
    const addrStart = i + ADDRESS_TAG.length;
    const addrEnd = xml.indexOf(ADDRTYPE, addrStart);
    const typeStart = addrEnd + ADDRTYPE.length;
    const typeEnd = xml.indexOf(QUOTE, typeStart);
    if (addrEnd < 0 || typeEnd < 0 || typeEnd > end) return undefined;
    const type = xml.toString('latin1', typeStart, typeEnd);
    if (!ADDRESS_TYPES.has(type)) return undefined;
    addresses.push({ addr: xml.toString('latin1', addrStart, addrEnd), type: type as HostAddress['type'] });
  }
  return addresses;
}

/**
 * Whether two host blocks say the same, ignoring what changes on every scan: the attributes
 * of the <host> start tag (start and end time) and the <times> element (round-trip timing).
 */
export function sameHost(xmlA: Buffer, a: HostBlock, xmlB: Buffer, b: HostBlock): boolean {
  const pa = comparableRanges(xmlA, a);
  const pb = comparableRanges(xmlB, b);
  if (!pa || !pb) return xmlA.compare(xmlB, b.start, b.end, a.start, a.end) === 0;
  return pa.every(([s, e], i) => {
    const other = pb[i];
    return other !== undefined && xmlA.compare(xmlB, other[0], other[1], s, e) === 0;
  });
}

function comparableRanges(xml: Buffer, block: HostBlock): [number, number][] | undefined {
  const bodyStart = xml.indexOf(GT, block.start) + 1;
  if (bodyStart <= 0 || bodyStart > block.end) return undefined;
  const times = xml.indexOf(TIMES, bodyStart);
  if (times < 0 || times > block.end) return [[bodyStart, block.end]];
  const timesEnd = xml.indexOf(EMPTY_END, times) + EMPTY_END.length;
  if (timesEnd < EMPTY_END.length || timesEnd > block.end) return undefined;
  return [
    [bodyStart, times],
    [timesEnd, block.end],
  ];
}

/** A document holding only the chosen hosts, with the original head and tail around them. */
export function documentWithHosts(xml: Buffer, parts: HostBlocks, keep: readonly HostBlock[]): Buffer {
  const newline = Buffer.from('\n');
  return Buffer.concat([
    xml.subarray(0, parts.headEnd),
    ...keep.flatMap((b) => [xml.subarray(b.start, b.end), newline]),
    xml.subarray(parts.tailStart),
  ]);
}

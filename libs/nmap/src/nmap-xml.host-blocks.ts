import type { HostAddress } from '@driftwatch/core';

/** One `<host>…</host>` element of an nmap XML document, found without parsing it. */
export interface HostBlock {
  start: number;
  end: number;
  addresses: Pick<HostAddress, 'addr' | 'type'>[];
  /**
   * Its layout, found on first need (hostLayout): where the body after the <host> start tag
   * starts (-2 not yet known, -1 a block compared whole), and its <times/> element ([-1, -1]
   * none). Plain numbers on the block: a /16 scan has 65,536 of them in each file.
   */
  bodyStart: number;
  timesStart: number;
  timesEnd: number;
}

const UNKNOWN = -2;
const WHOLE = -1;

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
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const GT = 0x3e;
const SLASH = 0x2f;
const LF = 0x0a;
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
    blocks.push({ start, end, addresses, bodyStart: UNKNOWN, timesStart: -1, timesEnd: -1 });
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
  hostLayout(xmlA, a);
  hostLayout(xmlB, b);
  if (a.bodyStart === WHOLE || b.bodyStart === WHOLE)
    return xmlA.compare(xmlB, b.start, b.end, a.start, a.end) === 0;
  if (a.timesStart < 0 || b.timesStart < 0) {
    return a.timesStart === b.timesStart && xmlA.compare(xmlB, b.bodyStart, b.end, a.bodyStart, a.end) === 0;
  }
  return (
    xmlA.compare(xmlB, b.bodyStart, b.timesStart, a.bodyStart, a.timesStart) === 0 &&
    xmlA.compare(xmlB, b.timesEnd, b.end, a.timesEnd, a.end) === 0
  );
}

/**
 * Splits the block at the <host> start tag and the <times/> element (what sameHost compares and
 * ignores), once; a start tag or <times> of unusual shape leaves it compared whole.
 */
function hostLayout(xml: Buffer, block: HostBlock): void {
  if (block.bodyStart !== UNKNOWN) return;
  const bodyStart = tagEnd(xml, block.start, block.end);
  block.bodyStart = WHOLE;
  if (bodyStart < 0) return;
  // nmap writes <times/> last in a host: searched from the end, it is found in a few bytes. Any
  // "<times " in a host is that element (nmap escapes '<' in values and text); were there two,
  // the other would be compared, so nothing goes unchecked either way.
  const times = xml.lastIndexOf(TIMES, block.end - 1);
  if (times >= bodyStart) {
    const timesEnd = tagEnd(xml, times, block.end);
    if (timesEnd < 0 || xml[timesEnd - 2] !== SLASH) return; // not an empty <times/>
    block.timesStart = times;
    block.timesEnd = timesEnd;
  }
  block.bodyStart = bodyStart;
}

/** The offset just past the '>' that ends the tag starting at `start` (a '>' may be inside a quoted value); -1 if none before `limit`. */
function tagEnd(xml: Buffer, start: number, limit: number): number {
  let quote = 0;
  for (let i = start; i < limit; i++) {
    const c = xml[i];
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === QUOTE || c === APOSTROPHE) quote = c;
    else if (c === GT) return i + 1;
  }
  return -1;
}

/** What becomes of each host in documentWithHosts; hosts in neither set are left out. */
export interface HostSelection {
  /** Hosts kept as they are. */
  whole: ReadonlySet<HostBlock>;
  /**
   * Hosts cut to what sameHost ignores (the <host> start tag and the <times/> element), so that a
   * host found the same as one checked elsewhere has its remaining bytes checked too.
   */
  ignoredOnly?: ReadonlySet<HostBlock>;
}

/** A document cut from another by documentWithHosts. */
export interface HostDocument {
  xml: Buffer;
  /** Where a position in `xml` (1-based line and column, as parse errors give them) is in the original. */
  readonly originalPosition: (line: number, column: number) => { line: number; column: number };
}

/**
 * `xml` with only the chosen hosts, or parts of hosts, and everything around its hosts (head,
 * tail, whatever is between hosts). Positions are mapped back only when asked (an error), so a
 * document without errors costs nothing for them.
 */
export function documentWithHosts(xml: Buffer, parts: HostBlocks, selection: HostSelection): HostDocument {
  /** Per piece: its offset in `xml`, its end there, and its offset in the result. */
  const froms: number[] = [];
  const ends: number[] = [];
  const starts: number[] = [];
  let length = 0;
  const keep = (start: number, end: number): void => {
    if (end <= start) return;
    const last = ends.length - 1;
    if (last >= 0 && ends[last] === start) {
      // Adjacent in `xml` too (a host's end, the gap after it, the next host's tag): one piece.
      ends[last] = end;
      length += end - start;
      return;
    }
    starts.push(length);
    froms.push(start);
    ends.push(end);
    length += end - start;
  };
  let at = 0;
  for (const block of parts.blocks) {
    keep(at, block.start);
    at = block.end;
    if (selection.whole.has(block)) keep(block.start, block.end);
    else if (selection.ignoredOnly?.has(block)) {
      hostLayout(xml, block);
      // Without the split (an unusual <host> tag) sameHost compared every byte: nothing is left.
      if (block.bodyStart !== WHOLE) {
        keep(block.start, block.bodyStart);
        keep(block.timesStart, block.timesEnd);
        keep(block.end - HOST_CLOSE.length, block.end);
      }
    }
  }
  keep(at, xml.length);
  // Copied piece by piece into one buffer: a view per piece would be an object each, and a cut
  // of a /16 scan has hundreds of thousands of pieces.
  const cut = Buffer.allocUnsafe(length);
  for (let p = 0; p < froms.length; p++) xml.copy(cut, starts[p], froms[p], ends[p]);
  return {
    xml: cut,
    originalPosition: (line, column) => {
      const offset = offsetOf(cut, line, column);
      // The piece holding the character before the position (errors point just past it).
      let piece = 0;
      for (let lo = 0, hi = starts.length - 1; lo <= hi;) {
        const mid = (lo + hi) >> 1;
        if ((starts[mid] ?? 0) < offset) {
          piece = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return positionOf(xml, (froms[piece] ?? 0) + offset - (starts[piece] ?? 0));
    },
  };
}

/** The byte offset of a 1-based line and column (in UTF-16 units, as the scanner counts them). */
function offsetOf(xml: Buffer, line: number, column: number): number {
  let lineStart = 0;
  for (let l = 1; l < line; l++) {
    const newline = xml.indexOf(LF, lineStart);
    if (newline < 0) break;
    lineStart = newline + 1;
  }
  const lineEnd = xml.indexOf(LF, lineStart);
  const text = xml.toString('utf8', lineStart, lineEnd < 0 ? xml.length : lineEnd);
  return lineStart + Buffer.byteLength(text.slice(0, Math.max(0, column - 1)));
}

/** The 1-based line and column of a byte offset. */
function positionOf(xml: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = xml.indexOf(LF); i >= 0 && i < offset; i = xml.indexOf(LF, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: xml.toString('utf8', lineStart, offset).length + 1 };
}

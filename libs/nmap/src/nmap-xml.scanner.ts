import sax from 'sax';

/**
 * A purpose-built streaming tokenizer for nmap's XML (-oX), replacing sax on the hot path
 * (docs/decisions/0006-nmap-xml-scanner.md). It accepts exactly the XML that the previous
 * sax-driven parser accepted (sax 1.x in strict mode, as configured there) and reports the same
 * element, attribute and text events, so the one model builder in nmap-xml.parser.ts serves both.
 *
 * How it is fast: it works on whole decoded chunks with indexOf('<'), parses attributes with a
 * hand-written loop and only records their offsets (a value is sliced, and entity-decoded, only
 * when the builder asks for it), and never slices text that no open element collects.
 *
 * Deliberate differences from sax, all on input nmap never writes (see the decision record):
 * a DOCTYPE other than the bare `<!DOCTYPE nmaprun>` is refused however it continues (sax could
 * be led past an unterminated internal subset without ever reporting the DOCTYPE), and a token
 * longer than 64 KiB (an attribute value, a comment) is accepted, where sax refused it or not
 * depending on where the chunk boundaries fell.
 */

/** The attributes of the start tag being reported; valid only during the open() call. */
export interface NmapXmlAttributes {
  /** The (entity-decoded) value of the first attribute with this name, if any. */
  get(name: string): string | undefined;
}

/** What the scanner reports to. */
export interface NmapXmlEvents {
  open(name: string, attributes: NmapXmlAttributes): void;
  close(name: string): void;
  /** Whether the innermost open element collects its text (others' text is validated, not sliced). */
  wantsText(): boolean;
  text(text: string): void;
  /** The error to throw for malformed input, located with the scanner's position(). */
  refuse(reason: string): Error;
}

/** sax's position convention: `line` newlines so far, `column` characters since the last one. */
export interface NmapXmlPosition {
  line: number;
  column: number;
}

/**
 * The longest attribute value or element text accepted. nmap writes short values; the longest
 * real ones are NSE outputs of a few kilobytes. A hostile import's 50 MB service name would be
 * stored and served with every read of its port.
 */
export const MAX_VALUE_CHARS = 1024 * 1024;

export const DOCTYPE_REFUSAL =
  'refusing a DOCTYPE with an external id or internal subset (entity declarations are not allowed)';

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const BANG = 33;
const DQUOTE = 34;
const HASH = 35;
const SQUOTE = 39;
const DASH = 45;
const SLASH = 47;
const SEMI = 59;
const EQ = 61;
const GT = 62;
const QMARK = 63;
const BOM = 0xfeff;

// XML name characters as sax tests them, one UTF-16 unit at a time (so never astral characters).
const NAME_START =
  /[:_A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NAME_BODY =
  // eslint-disable-next-line no-misleading-character-class -- combining marks, one code unit each, as sax
  /[:_A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u00B7\u0300-\u036F\u203F-\u2040.\d-]/;
/** ASCII name characters: 1 may start a name, 2 may only continue one. */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  ASCII_NAME[c] = NAME_START.test(ch) ? 1 : NAME_BODY.test(ch) ? 2 : 0;
}

function isNameStart(c: number): boolean {
  return c < 128 ? ASCII_NAME[c] === 1 : NAME_START.test(String.fromCharCode(c));
}

function isNameBody(c: number): boolean {
  return c < 128 ? ASCII_NAME[c] !== 0 : NAME_BODY.test(String.fromCharCode(c));
}

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/**
 * The named entities sax decodes: the XML five and, because sax was not given strictEntities,
 * also HTML's (&nbsp; etc.). nmap only writes the XML five and numeric references.
 */
const NAMED_ENTITIES: Readonly<Record<string, string | undefined>> = sax.parser(true).ENTITIES;

/** sax's parseEntity: the replacement text, or undefined for an invalid reference. */
function entityValue(entity: string): string | undefined {
  const named = NAMED_ENTITIES[entity] || NAMED_ENTITIES[entity.toLowerCase()];
  if (named) return named;
  let body = entity.toLowerCase();
  if (body.charCodeAt(0) !== HASH) return undefined;
  let num: number;
  let numStr: string;
  if (body.charAt(1) === 'x') {
    body = body.slice(2);
    num = parseInt(body, 16);
    numStr = num.toString(16);
  } else {
    body = body.slice(1);
    num = parseInt(body, 10);
    numStr = num.toString(10);
  }
  body = body.replace(/^0+/, '');
  if (Number.isNaN(num) || numStr !== body || num < 0 || num > 0x10ffff || !isXmlChar(num)) {
    return undefined;
  }
  return String.fromCodePoint(num);
}

function isXmlChar(num: number): boolean {
  return (
    num === 0x9 ||
    num === 0xa ||
    num === 0xd ||
    (num >= 0x20 && num <= 0xd7ff) ||
    (num >= 0xe000 && num <= 0xfffd) ||
    (num >= 0x10000 && num <= 0x10ffff)
  );
}

/** -1: needs more input; 0: cannot match; 1: matches (ASCII case-insensitively, as sax's /i). */
function matchWord(s: string, at: number, word: string): number {
  const n = s.length;
  for (let i = 0; i < word.length; i++) {
    if (at + i >= n) return -1;
    const c = s.charCodeAt(at + i);
    const w = word.charCodeAt(i);
    if (c !== w && !(w >= 97 && w <= 122 && c === w - 32)) return 0;
  }
  return 1;
}

// The element names nmap writes: a name seen in the input is given as this very string, so the
// builder's comparisons are cheap and no substring is cut for it.
const KNOWN_NAMES = [
  'nmaprun',
  'scaninfo',
  'verbose',
  'debugging',
  'target',
  'taskbegin',
  'taskend',
  'taskprogress',
  'prescript',
  'postscript',
  'hosthint',
  'host',
  'status',
  'address',
  'hostnames',
  'hostname',
  'ports',
  'extraports',
  'extrareasons',
  'port',
  'state',
  'owner',
  'service',
  'cpe',
  'script',
  'table',
  'elem',
  'os',
  'portused',
  'osmatch',
  'osclass',
  'osfingerprint',
  'uptime',
  'distance',
  'tcpsequence',
  'ipidsequence',
  'tcptssequence',
  'trace',
  'hop',
  'times',
  'hostscript',
  'smurf',
  'runstats',
  'finished',
  'hosts',
  'output',
];
/** Names by their first character and length, added to as new ones are met (bounded). */
const NAME_TABLE_LIMIT = 512;

export class NmapXmlScanner {
  private readonly names = new Map<number, string[]>();
  private nameCount = 0;
  /** Input not yet consumed: an unfinished construct (or a partial entity) at the end of a chunk. */
  private pending = '';
  /** pending is re-scanned only once it is this long, so a huge token costs linear time. */
  private retryAt = 0;
  private readonly open: string[] = [];
  private sawRoot = false;
  private sawMarkup = false;
  private sawDoctype = false;
  private started = false;

  // Position bookkeeping, for error messages only: the string being scanned, the absolute offset
  // of its first character, newlines before it and the absolute offset of the last of them.
  private current = '';
  private consumed = 0;
  private lines = 0;
  private lastNewline = -1;
  /** Absolute offset of the character being reported on (sax's position - 1). */
  private at = -1;
  /** Offset of the next '&' at or after the last query, in `current` (length when none). */
  private nextAmpersand = -1;

  // The current start tag's attributes, as offsets into `current`.
  private attributeCount = 0;
  private readonly nameStarts: number[] = [];
  private readonly nameEnds: number[] = [];
  private readonly valueStarts: number[] = [];
  private readonly valueEnds: number[] = [];
  private readonly values: (string | undefined)[] = [];
  private readonly attributes: NmapXmlAttributes = { get: (name) => this.attribute(name) };

  constructor(private readonly events: NmapXmlEvents) {
    for (const name of KNOWN_NAMES) this.remember(name);
  }

  private remember(name: string): void {
    const key = (name.charCodeAt(0) << 16) | name.length;
    const bucket = this.names.get(key);
    if (bucket) bucket.push(name);
    else this.names.set(key, [name]);
    this.nameCount++;
  }

  /** s[start, end) as a string, the same string each time for a name met before. */
  private name(s: string, start: number, end: number): string {
    const bucket = this.names.get((s.charCodeAt(start) << 16) | (end - start));
    if (bucket) {
      for (const known of bucket) if (s.startsWith(known, start)) return known;
    }
    const name = s.slice(start, end);
    if (this.nameCount < NAME_TABLE_LIMIT) this.remember((' ' + name).slice(1));
    return name;
  }

  write(text: string): void {
    if (text.length === 0) return;
    const s = this.pending.length === 0 ? text : this.pending + text;
    if (s.length < this.retryAt) {
      this.pending = s;
      return;
    }
    this.scan(s, false);
  }

  /** End of input: scans what is pending; true when the input ended inside a construct. */
  end(): boolean {
    if (this.pending.length > 0) this.scan(this.pending, true);
    this.at = this.consumed + this.pending.length - 1;
    this.current = this.pending;
    return this.pending.length > 0;
  }

  /** Point the position at the last character received (for refusals not tied to a token). */
  markEnd(): void {
    this.current = this.pending;
    this.at = this.consumed + this.pending.length - 1;
  }

  /** Where the last reported event or error is, in sax's convention (0-based line). */
  position(): NmapXmlPosition {
    const s = this.current;
    const relative = this.at - this.consumed;
    let line = this.lines;
    let last = this.lastNewline;
    for (let k = s.indexOf('\n'); k !== -1 && k <= relative; k = s.indexOf('\n', k + 1)) {
      line++;
      last = this.consumed + k;
    }
    return { line, column: this.at - last };
  }

  private scan(s: string, final: boolean): void {
    this.current = s;
    this.nextAmpersand = -1;
    const n = s.length;
    let i = 0;
    if (!this.started) {
      this.started = true;
      if (s.charCodeAt(0) === BOM) i = 1;
    }
    while (i < n) {
      const lt = s.indexOf('<', i);
      const stop = lt === -1 ? n : lt;
      if (stop > i) {
        const textEnd = this.text(s, i, stop);
        if (textEnd < stop) {
          i = textEnd;
          break;
        }
      }
      if (lt === -1) {
        i = n;
        break;
      }
      const next = this.markup(s, lt);
      if (next < 0) {
        i = lt;
        break;
      }
      i = next;
    }
    this.advance(s, i);
    this.retryAt = final ? 0 : 2 * this.pending.length;
  }

  /** Drops s[0, i) (counting its newlines) and keeps the rest pending. */
  private advance(s: string, i: number): void {
    if (i > 0) {
      const lastInConsumed = s.lastIndexOf('\n', i - 1);
      if (lastInConsumed !== -1) {
        let count = 0;
        for (let k = s.indexOf('\n'); k !== -1 && k <= lastInConsumed; k = s.indexOf('\n', k + 1)) count++;
        this.lines += count;
        this.lastNewline = this.consumed + lastInConsumed;
      }
    }
    this.consumed += i;
    this.pending = i === 0 ? s : i < s.length ? s.slice(i) : '';
    this.current = this.pending;
  }

  private fail(offset: number, reason: string): Error {
    this.at = this.consumed + offset;
    return this.events.refuse(reason);
  }

  private ampersandFrom(s: string, from: number): number {
    if (this.nextAmpersand < from) {
      const found = s.indexOf('&', from);
      this.nextAmpersand = found === -1 ? s.length : found;
    }
    return this.nextAmpersand;
  }

  /** Character data in s[i, stop); returns where it ended (before `stop` when an entity is cut off). */
  private text(s: string, i: number, stop: number): number {
    if (this.open.length === 0) {
      for (let k = i; k < stop; k++) {
        if (!isSpace(s.charCodeAt(k))) {
          throw this.fail(
            k,
            this.sawMarkup ? 'Text data outside of root node.' : 'Non-whitespace before first tag.',
          );
        }
      }
      return stop;
    }
    const amp = this.ampersandFrom(s, i);
    const wanted = this.events.wantsText();
    if (amp >= stop) {
      if (wanted) this.events.text(s.slice(i, stop));
      return stop;
    }
    let out = '';
    let from = i;
    for (let a = amp; a < stop; a = this.ampersandFrom(s, from)) {
      const semi = this.entityEnd(s, a, stop);
      if (semi < 0) {
        if (stop < s.length) throw this.fail(stop, 'Invalid character in entity name');
        // Cut off by the end of the input so far: wait for more.
        if (wanted) this.events.text(out + s.slice(from, a));
        return a;
      }
      if (wanted) out += s.slice(from, a) + this.entity(s, a, semi);
      else this.entity(s, a, semi);
      from = semi + 1;
    }
    if (wanted) this.events.text(out + s.slice(from, stop));
    return stop;
  }

  /** The ';' ending the reference at s[amp], -1 when `stop` comes first; refuses a bad name character. */
  private entityEnd(s: string, amp: number, stop: number): number {
    for (let k = amp + 1; k < stop; k++) {
      const c = s.charCodeAt(k);
      if (c === SEMI) return k;
      if (c !== HASH && !(k === amp + 1 ? isNameStart(c) : isNameBody(c))) {
        throw this.fail(k, 'Invalid character in entity name');
      }
    }
    return -1;
  }

  private entity(s: string, amp: number, semi: number): string {
    const value = entityValue(s.slice(amp + 1, semi));
    if (value === undefined) throw this.fail(semi, 'Invalid character entity');
    return value;
  }

  /** s[start, end) with its references replaced; every reference must end inside it. */
  private decode(s: string, start: number, end: number): string {
    let out = '';
    let from = start;
    for (let a = this.ampersandFrom(s, start); a < end; a = this.ampersandFrom(s, from)) {
      const semi = this.entityEnd(s, a, end);
      if (semi < 0) throw this.fail(end, 'Invalid character in entity name');
      out += s.slice(from, a) + this.entity(s, a, semi);
      from = semi + 1;
    }
    return out + s.slice(from, end);
  }

  /** The construct starting with the '<' at s[lt]; returns the offset after it, -1 if incomplete. */
  private markup(s: string, lt: number): number {
    const n = s.length;
    let j = lt + 1;
    while (j < n && isSpace(s.charCodeAt(j))) j++;
    if (j >= n) return -1;
    this.sawMarkup = true;
    const c = s.charCodeAt(j);
    if (isNameStart(c)) return this.startTag(s, j);
    if (c === SLASH) return this.endTag(s, j + 1);
    if (c === BANG) return this.declaration(s, j + 1);
    if (c === QMARK) return this.instruction(s, j + 1);
    throw this.fail(j, 'Unencoded <');
  }

  private startTag(s: string, nameStart: number): number {
    const n = s.length;
    let k = nameStart + 1;
    while (k < n && isNameBody(s.charCodeAt(k))) k++;
    if (k >= n) return -1;
    const nameEnd = k;
    let c = s.charCodeAt(k);
    if (c !== GT && c !== SLASH && !isSpace(c)) throw this.fail(k, 'Invalid character in tag name');
    this.attributeCount = 0;
    let selfClosing = false;
    for (;;) {
      c = s.charCodeAt(k);
      if (c === GT) break;
      if (c === SLASH) {
        if (k + 1 >= n) return -1;
        if (s.charCodeAt(k + 1) !== GT) {
          throw this.fail(k + 1, 'Forward-slash in opening tag not followed by >');
        }
        k++;
        selfClosing = true;
        break;
      }
      // Whitespace: after the name or after a value.
      k++;
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      if (k >= n) return -1;
      c = s.charCodeAt(k);
      if (c === GT || c === SLASH) continue;
      if (!isNameStart(c)) throw this.fail(k, 'Invalid attribute name');
      const attributeStart = k;
      k++;
      while (k < n && isNameBody(s.charCodeAt(k))) k++;
      if (k >= n) return -1;
      const attributeEnd = k;
      c = s.charCodeAt(k);
      if (c !== EQ) {
        if (c === GT) throw this.fail(k, 'Attribute without value');
        if (!isSpace(c)) throw this.fail(k, 'Invalid attribute name');
        while (k < n && isSpace(s.charCodeAt(k))) k++;
        if (k >= n) return -1;
        if (s.charCodeAt(k) !== EQ) throw this.fail(k, 'Attribute without value');
      }
      k++;
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      if (k >= n) return -1;
      const quote = s.charCodeAt(k);
      if (quote !== DQUOTE && quote !== SQUOTE) throw this.fail(k, 'Unquoted attribute value');
      const valueStart = k + 1;
      const valueEnd = s.indexOf(quote === DQUOTE ? '"' : "'", valueStart);
      if ((valueEnd === -1 ? n : valueEnd) - valueStart > MAX_VALUE_CHARS)
        throw this.fail(valueStart, `Attribute value longer than ${MAX_VALUE_CHARS} characters`);
      if (valueEnd === -1) return -1;
      const decoded =
        this.ampersandFrom(s, valueStart) < valueEnd ? this.decode(s, valueStart, valueEnd) : undefined;
      const a = this.attributeCount++;
      this.nameStarts[a] = attributeStart;
      this.nameEnds[a] = attributeEnd;
      this.valueStarts[a] = valueStart;
      this.valueEnds[a] = valueEnd;
      this.values[a] = decoded;
      k = valueEnd + 1;
      if (k >= n) return -1;
      c = s.charCodeAt(k);
      if (c !== GT && c !== SLASH && !isSpace(c)) {
        throw this.fail(k, isNameStart(c) ? 'No whitespace between attributes' : 'Invalid attribute name');
      }
    }
    const name = this.name(s, nameStart, nameEnd);
    this.at = this.consumed + k;
    this.sawRoot = true;
    this.open.push(name);
    this.events.open(name, this.attributes);
    if (selfClosing) this.closeElement(name);
    return k + 1;
  }

  private attribute(name: string): string | undefined {
    const s = this.current;
    const length = name.length;
    for (let a = 0; a < this.attributeCount; a++) {
      const start = this.nameStarts[a];
      if (this.nameEnds[a] - start === length && s.startsWith(name, start)) {
        return (this.values[a] ??= s.slice(this.valueStarts[a], this.valueEnds[a]));
      }
    }
    return undefined;
  }

  private endTag(s: string, from: number): number {
    const n = s.length;
    let k = from;
    while (k < n && isSpace(s.charCodeAt(k))) k++;
    if (k >= n) return -1;
    if (!isNameStart(s.charCodeAt(k))) throw this.fail(k, 'Invalid tagname in closing tag.');
    const nameStart = k;
    k++;
    while (k < n && isNameBody(s.charCodeAt(k))) k++;
    if (k >= n) return -1;
    const nameEnd = k;
    let c = s.charCodeAt(k);
    if (c !== GT) {
      if (!isSpace(c)) throw this.fail(k, 'Invalid tagname in closing tag');
      while (k < n && isSpace(s.charCodeAt(k))) k++;
      if (k >= n) return -1;
      c = s.charCodeAt(k);
      if (c !== GT) throw this.fail(k, 'Invalid characters in closing tag');
    }
    const name = this.name(s, nameStart, nameEnd);
    this.at = this.consumed + k;
    const top = this.open[this.open.length - 1];
    if (top === undefined) throw this.events.refuse(`Unmatched closing tag: ${name}`);
    if (top !== name) throw this.events.refuse('Unexpected close tag');
    this.closeElement(name);
    return k + 1;
  }

  private closeElement(name: string): void {
    this.open.pop();
    this.events.close(name);
  }

  /** After '<!': a comment, CDATA, the DOCTYPE, or a refused markup declaration. */
  private declaration(s: string, from: number): number {
    const n = s.length;
    if (from >= n) return -1;
    if (s.charCodeAt(from) === DASH) {
      if (from + 1 >= n) return -1;
      if (s.charCodeAt(from + 1) === DASH) {
        const dashes = s.indexOf('--', from + 2);
        if (dashes === -1 || dashes + 2 >= n) return -1;
        if (s.charCodeAt(dashes + 2) !== GT) throw this.fail(dashes + 2, 'Malformed comment');
        return dashes + 3;
      }
    } else {
      const cdata = matchWord(s, from, '[cdata[');
      if (cdata === 1) {
        const end = s.indexOf(']]>', from + 7);
        if (end === -1) return -1;
        if (end > from + 7 && this.open.length > 0 && this.events.wantsText()) {
          this.events.text(s.slice(from + 7, end));
        }
        return end + 3;
      }
      const doctype = matchWord(s, from, 'doctype');
      if (doctype === 1) return this.doctype(s, from + 7);
      if (cdata < 0 || doctype < 0) return -1;
    }
    let end = from;
    while (end < n && !isSpace(s.charCodeAt(end)) && s.charCodeAt(end) !== GT) end++;
    if (end >= n) return -1; // name the declaration whole in the refusal
    throw this.fail(end, `refusing the markup declaration <!${s.slice(from, end)}>`);
  }

  private doctype(s: string, from: number): number {
    if (this.sawDoctype || this.sawRoot) {
      throw this.fail(from - 1, 'Inappropriately located doctype declaration');
    }
    const n = s.length;
    for (let k = from; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c === GT) {
        if (s.slice(from, k).trim() !== 'nmaprun') throw this.fail(k, DOCTYPE_REFUSAL);
        this.sawDoctype = true;
        return k + 1;
      }
      // A literal or an internal subset: never what nmap writes.
      if (c === 91 /* [ */ || c === DQUOTE || c === SQUOTE) throw this.fail(k, DOCTYPE_REFUSAL);
    }
    return -1;
  }

  /** After '<?': sax ends a processing instruction at a '?>' whose '?' does not follow a '?' it consumed. */
  private instruction(s: string, from: number): number {
    const n = s.length;
    for (let k = from; ;) {
      const q = s.indexOf('?', k);
      if (q === -1 || q + 1 >= n) return -1;
      if (s.charCodeAt(q + 1) === GT) return q + 2;
      k = q + 2;
    }
  }
}

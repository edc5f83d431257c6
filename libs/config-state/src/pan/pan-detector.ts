import { issuerOfDigits, LENGTHS_BY_PREFIX2, type PanBrand } from './issuers';
import { luhnValidDigits } from './luhn';
import { PUBLIC_TEST_PANS } from './test-numbers';

/**
 * Finds primary account numbers (PANs) in text without ever handing the digits out: a match
 * carries the brand, length, masked form and position only. Digits live in a 19-byte scratch
 * buffer while one candidate is checked, and are zeroed after it.
 *
 * How a candidate is read, and why (each rule trades a few missed oddities for far fewer false
 * positives in logs, dumps and source trees):
 *
 * 1. Chains. A chain is a maximal run of digit groups joined by single spaces or dashes
 *    ("2024-05-01", "4111 1111 1111 1111", "45 4532015112830366"). A card number is one window
 *    of consecutive groups of a chain: either one contiguous group of 12–19 digits, or groups in
 *    a printed card grouping (CARD_GROUPINGS: 4-4-4-4, 4-6-5 for Amex, 4-6-4 for Diners,
 *    4-4-4-4-1..3 for 17–19 digits...) with one separator throughout ("4111-1111 1111-1111" is
 *    not a card number: people and systems print a number with one separator).
 * 2. Dashes bind. Digits joined by a dash to a window (2024-4532015112830366, a UUID's last
 *    group, an order number 0001-4532015112830366) make it part of a longer identifier: rejected.
 * 3. Spaces separate, within limits. A window's neighbour across a space may be a short number
 *    (at most 4 digits: a time "12:00:00 <pan>", an expiry "12/25", a CVV) or another
 *    card-length number (two values side by side in a table). A 5–11 or 20+ digit neighbour
 *    means a long numeric composite (account/reference numbers printed in parts): rejected. A
 *    window grouped by spaces whose neighbour is another 4-digit group is a longer number
 *    printed in fours (a 20-digit reference "1234 5678 ... 9012"): rejected.
 * 4. Tokens. A chain touching an ASCII letter is part of an alphanumeric token (hex hashes,
 *    UUIDs, base64, "id=1234...5678abc"): rejected. "_" and punctuation are boundaries, so
 *    "card_4532015112830366.txt" still counts.
 * 5. Decimals and versions. A chain after "<digit>." or before ".<digit>" is the fraction or
 *    integer part of a decimal or a version ("1.4111111111111111", "4111111111111111.5"): rejected.
 * 6. Phone numbers. A chain right after "+" is an E.164 phone number ("+4915112345678"): rejected.
 * 7. Long runs. A contiguous run of 20+ digits is an identifier, never a card; a run of 12–19
 *    digits inside it is not considered.
 * 8. Validity. The window's digits must pass the Luhn check and fall in a known issuer range with
 *    a length that brand issues (issuers.ts); 9 in 10 random digit strings fail Luhn alone.
 * 9. Test numbers. The processors' published test numbers (test-numbers.ts) are counted apart as
 *    `testNumbers`, not as matches: they mean fixtures, not cardholder data.
 * 10. Repeated digits. A number of at most two distinct digits ("4444444444444448",
 *    "5454545454545454") is padding, a placeholder or a dummy value, never an issued card:
 *    ignored (not counted at all).
 *
 * Windows are tried left to right, longest grouping first; a valid window (match, test number or
 * ignored) claims its groups and the search resumes after it.
 */

export interface PanMatch {
  brand: PanBrand;
  /** Number of digits. */
  length: number;
  /** First six and last four digits, the middle as `*` (12-digit numbers: first four and last four). */
  masked: string;
  /** Character offset of the first digit in the scanned text. */
  index: number;
  /** 1-based line of the first digit. */
  line: number;
}

export interface PanScanOptions {
  /** Where to start looking; text before it is only context. Must not fall inside a digit run. */
  from?: number;
  /**
   * Whether the text ends here. When false (streaming), a chain that may continue past the end
   * is left for the next call: `resumeAt` says where it starts.
   */
  final?: boolean;
  /** Lines before the text's first character, added to each match's line. */
  lineOffset?: number;
}

export interface PanTextScan {
  matches: PanMatch[];
  /** Published test card numbers seen (not in `matches`). */
  testNumbers: number;
  /** Numbers of at most two distinct digits, ignored. */
  ignored: number;
  /** Offset up to which the text was consumed: text.length, or the start of an unfinished chain. */
  resumeAt: number;
}

/** What a candidate turned out to be. */
type PanClass = 'match' | 'test' | 'ignored';

/** Context characters a chain's check reads on each side; a streaming caller keeps this many. */
export const PAN_SCAN_CONTEXT_CHARS = 2;

/** Printed card groupings (group lengths), longest first. */
export const CARD_GROUPINGS: readonly (readonly number[])[] = [
  [4, 4, 4, 4, 3],
  [4, 4, 4, 4, 2],
  [4, 4, 4, 4, 1],
  [4, 4, 4, 4],
  [4, 6, 5],
  [4, 4, 4, 3],
  [4, 6, 4],
  [4, 4, 4, 2],
  [4, 3, 3, 3],
];

const MIN_PAN = 12;
const MAX_PAN = 19;
const SPACE = 32;
const DASH = 45;
const DOT = 46;
const PLUS = 43;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

type OnCandidate = (start: number, end: number, masked: string, brand: PanBrand, cls: PanClass) => void;

// Scratch state reused across chains: group boundaries, joints, and the candidate's digits.
let groupStart = new Int32Array(64);
let groupEnd = new Int32Array(64);
let joint = new Uint8Array(64);
const digits = new Uint8Array(MAX_PAN);

/** Every PAN in `text` (complete text; see scanPanText for streaming). Test numbers are left out. */
export function findPans(text: string, options: Omit<PanScanOptions, 'final'> = {}): PanMatch[] {
  return scanPanText(text, { ...options, final: true }).matches;
}

/** findPans with the counts of test numbers and ignored numbers, and streaming support. */
export function scanPanText(text: string, options: PanScanOptions = {}): PanTextScan {
  const matches: PanMatch[] = [];
  let testNumbers = 0;
  let ignored = 0;
  let line = (options.lineOffset ?? 0) + 1;
  let nextNewline = -2; // -2: not looked for yet; -1: none left
  const resumeAt = scanCandidates(
    text,
    options.from ?? 0,
    options.final ?? true,
    (start, _end, masked, brand, cls) => {
      if (cls === 'test') testNumbers++;
      else if (cls === 'ignored') ignored++;
      else {
        if (nextNewline === -2) nextNewline = text.indexOf('\n');
        while (nextNewline !== -1 && nextNewline < start) {
          line++;
          nextNewline = text.indexOf('\n', nextNewline + 1);
        }
        matches.push({ brand, length: masked.length, masked, index: start, line });
      }
    },
  );
  return { matches, testNumbers, ignored, resumeAt };
}

/**
 * Whether `text` holds anything that could be a full card number: a run of 13+ digits, or a
 * card-shaped, Luhn-valid number in a known range (test numbers and repeated-digit numbers too).
 */
export function containsPanLike(text: string): boolean {
  if (/[0-9]{13}/.test(text)) return true;
  let found = false;
  scanCandidates(text, 0, true, () => {
    found = true;
  });
  return found;
}

/**
 * `text` with every possible full card number masked: each card-shaped valid number (test and
 * repeated-digit numbers too) becomes its masked form, and every other run of 13+ digits keeps
 * its first six and last four digits with `*` between. Used for file paths in reports.
 */
export function maskPanLike(text: string): string {
  let out = text;
  for (let round = 0; round < 3 && containsPanLike(out); round++) {
    const parts: string[] = [];
    let last = 0;
    scanCandidates(out, 0, true, (start, end, masked) => {
      parts.push(out.slice(last, start), masked);
      last = end;
    });
    parts.push(out.slice(last));
    out = parts
      .join('')
      .replace(/[0-9]{13,}/g, (run) => `${run.slice(0, 6)}${'*'.repeat(run.length - 10)}${run.slice(-4)}`);
  }
  // Masking can in theory join digits into a new card-shaped chain; then hide every digit.
  return containsPanLike(out) ? out.replace(/[0-9]/g, '*') : out;
}

/** The masked form of the first `length` digit values: first six, `*` for the middle, last four. */
export function maskDigits(values: ArrayLike<number>, length: number): string {
  // A 12-digit number would show 10 of its 12 digits (6 + 4); show 4 + 4 instead.
  const head = length >= 13 ? 6 : 4;
  const tail = 4;
  let out = '';
  for (let i = 0; i < length; i++) {
    out += i < head || i >= length - tail ? String.fromCharCode(48 + values[i]) : '*';
  }
  return out;
}

/**
 * The core: walks chains from `from`, calls `onCandidate` for every valid window (the digits are
 * in `digits` during the call), and returns where it stopped.
 */
function scanCandidates(text: string, from: number, final: boolean, onCandidate: OnCandidate): number {
  const len = text.length;
  let i = from;
  while (i < len) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let n = 0;
    let total = 0;
    for (;;) {
      const gs = i;
      while (i < len && isDigit(text.charCodeAt(i))) i++;
      if (n === groupStart.length) growScratch();
      groupStart[n] = gs;
      groupEnd[n] = i;
      total += i - gs;
      n++;
      if (i + 1 < len) {
        const s = text.charCodeAt(i);
        if ((s === SPACE || s === DASH) && isDigit(text.charCodeAt(i + 1))) {
          joint[n - 1] = s;
          i++;
          continue;
        }
      }
      break;
    }
    // Two characters of right context decide the chain (".<digit>" after it); without them it may go on.
    if (!final && i + PAN_SCAN_CONTEXT_CHARS > len) return start;
    if (total >= MIN_PAN) checkChain(text, n, onCandidate);
  }
  return len;
}

function growScratch(): void {
  const size = groupStart.length * 2;
  const gs = new Int32Array(size);
  gs.set(groupStart);
  groupStart = gs;
  const ge = new Int32Array(size);
  ge.set(groupEnd);
  groupEnd = ge;
  const j = new Uint8Array(size);
  j.set(joint);
  joint = j;
}

function checkChain(text: string, n: number, onCandidate: OnCandidate): void {
  const first = groupStart[0];
  const last = groupEnd[n - 1];
  const leftOk = leftContextOk(text, first);
  const rightOk = rightContextOk(text, last);
  if (!leftOk && !rightOk && n === 1) return;
  let k = 0;
  while (k < n) {
    const claimed = tryGroupings(text, n, k, leftOk, rightOk, onCandidate);
    k += claimed > 0 ? claimed : 1;
  }
}

/** Tries the windows starting at group k; returns how many groups a valid one claimed, or 0. */
function tryGroupings(
  text: string,
  n: number,
  k: number,
  leftOk: boolean,
  rightOk: boolean,
  onCandidate: OnCandidate,
): number {
  for (const grouping of CARD_GROUPINGS) {
    const m = grouping.length;
    if (k + m > n) continue;
    let fits = true;
    for (let g = 0; g < m && fits; g++) fits = groupEnd[k + g] - groupStart[k + g] === grouping[g];
    const sep = joint[k];
    for (let g = 1; g < m - 1 && fits; g++) fits = joint[k + g] === sep;
    if (fits && windowAt(text, n, k, m, sep, leftOk, rightOk, onCandidate)) return m;
  }
  const size = groupEnd[k] - groupStart[k];
  if (size >= MIN_PAN && size <= MAX_PAN && windowAt(text, n, k, 1, 0, leftOk, rightOk, onCandidate))
    return 1;
  return 0;
}

/** Checks the neighbours and validity of the window of `m` groups from group k (`sep` 0: one group). */
function windowAt(
  text: string,
  n: number,
  k: number,
  m: number,
  sep: number,
  leftOk: boolean,
  rightOk: boolean,
  onCandidate: OnCandidate,
): boolean {
  const j = k + m - 1;
  if (k === 0 ? !leftOk : !neighbourOk(joint[k - 1], groupEnd[k - 1] - groupStart[k - 1], sep)) return false;
  if (j === n - 1 ? !rightOk : !neighbourOk(joint[j], groupEnd[j + 1] - groupStart[j + 1], sep)) return false;
  const head = groupStart[k];
  const length = groupEnd[j] - head - (j - k);
  if (
    (LENGTHS_BY_PREFIX2[(text.charCodeAt(head) - 48) * 10 + text.charCodeAt(head + 1) - 48] &
      (1 << length)) ===
    0
  ) {
    return false;
  }
  let at = 0;
  for (let g = k; g <= j; g++) {
    for (let p = groupStart[g]; p < groupEnd[g]; p++) digits[at++] = text.charCodeAt(p) - 48;
  }
  try {
    if (!luhnValidDigits(digits, length)) return false;
    const brand = issuerOfDigits(digits, length);
    if (brand === undefined) return false;
    const masked = maskDigits(digits, length);
    onCandidate(head, groupEnd[j], masked, brand, classify(length, masked));
    return true;
  } finally {
    digits.fill(0);
  }
}

// A space is a word boundary: an id, a time, an amount or a CVV beside a card number must not hide
// it (missing a stored PAN is the worse error here). Only a 4-digit group beside a number printed
// in space-separated fours suggests a longer reference printed the same way.
function neighbourOk(sepToNeighbour: number, neighbourLength: number, windowSep: number): boolean {
  if (sepToNeighbour !== SPACE) return false;
  return !(windowSep === SPACE && neighbourLength === 4);
}

function leftContextOk(text: string, first: number): boolean {
  if (first === 0) return true;
  const c = text.charCodeAt(first - 1);
  // A digit here means a streaming caller started inside a run: the run's head is unknown.
  if (isLetter(c) || isDigit(c) || c === PLUS) return false;
  return !(c === DOT && first >= 2 && isDigit(text.charCodeAt(first - 2)));
}

function rightContextOk(text: string, last: number): boolean {
  if (last >= text.length) return true;
  const c = text.charCodeAt(last);
  if (isLetter(c)) return false;
  return !(c === DOT && last + 1 < text.length && isDigit(text.charCodeAt(last + 1)));
}

// Masked forms of the test numbers: the full digit string is built only when the mask matches one.
const TEST_MASKS: ReadonlySet<string> = new Set(
  [...PUBLIC_TEST_PANS].map((pan) =>
    maskDigits(
      Array.from(pan, (c) => c.charCodeAt(0) - 48),
      pan.length,
    ),
  ),
);

function classify(length: number, masked: string): PanClass {
  // Test numbers first: several (4111111111111111) have only two distinct digits.
  if (
    TEST_MASKS.has(masked) &&
    PUBLIC_TEST_PANS.has(String.fromCharCode(...digits.subarray(0, length).map((d) => d + 48)))
  ) {
    return 'test';
  }
  let distinct = 0;
  let seen = 0;
  for (let i = 0; i < length; i++) {
    const bit = 1 << digits[i];
    if ((seen & bit) === 0) {
      seen |= bit;
      distinct++;
    }
  }
  return distinct <= 2 ? 'ignored' : 'match';
}

/** Newlines in text[from, to): for streaming callers that carry line numbers across chunks. */
export function countNewlines(text: string, from = 0, to = text.length): number {
  let count = 0;
  for (let nl = text.indexOf('\n', from); nl !== -1 && nl < to; nl = text.indexOf('\n', nl + 1)) count++;
  return count;
}

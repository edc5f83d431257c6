import { PAN_BRANDS, type PanBrand } from './issuers';

/**
 * The report of a stored card data scan: what the collector (`driftwatch collect pan-scan`)
 * sends as the content of a `pan-scan` config document, and the facts policy rules read.
 * It holds counts and masked samples only; its schema makes a full card number impossible.
 */
export interface PanScanReport {
  /** The scanned directory (13+ digit runs and card-shaped numbers in it masked). */
  root: string;
  scannedFiles: number;
  /** Files not scanned and why (unreadable, special file, over the size limit, symlink...). */
  skippedFiles: PanScanSkippedFile[];
  bytesScanned: number;
  /** Card numbers found, over all files (test numbers not included). */
  totalMatches: number;
  /** Published test card numbers seen, over all files; not in totalMatches. */
  testNumbers: number;
  /** Files holding card numbers, by path. */
  files: PanScanFile[];
  /** Set when the scan stopped early (file or byte budget), so the report covers part of the tree. */
  truncated?: boolean;
}

export interface PanScanSkippedFile {
  /** Relative to root, `/`-separated, masked like root. */
  path: string;
  reason: string;
}

export interface PanScanFile {
  /** Relative to root, `/`-separated, masked like root. */
  path: string;
  /** Card numbers found in the file (each occurrence counts). */
  count: number;
  /** Occurrences by brand; they add up to count. */
  brands: Partial<Record<PanBrand, number>>;
  /** Distinct masked numbers, at most MAX_SAMPLES, in order of first occurrence. */
  samples: string[];
  /** The first MAX_LINES distinct 1-based line numbers holding a card number, ascending. */
  lines: number[];
}

export const PAN_SCAN_MAX_SAMPLES = 5;
export const PAN_SCAN_MAX_LINES = 20;
/**
 * Largest number any report field may hold: 11 digits, so no numeric field can carry a card
 * number (12–19 digits). The collector stops (truncated) before bytesScanned would exceed it.
 */
export const PAN_SCAN_MAX_INTEGER = 99_999_999_999;

/**
 * A masked card number: first six digits, 3–9 `*`, last four (13–19 digit numbers); or, for
 * 12-digit numbers, first four, `****`, last four (six and four would leave two digits hidden).
 */
export const MASKED_PAN_PATTERN = '^(?:[0-9]{6}\\*{3,9}[0-9]{4}|[0-9]{4}\\*{4}[0-9]{4})$';
/** Free text (paths, reasons): no run of 13 or more digits anywhere. */
export const NO_LONG_DIGIT_RUN_PATTERN = '^(?![\\s\\S]*[0-9]{13})';

const count = { type: 'integer', minimum: 0, maximum: PAN_SCAN_MAX_INTEGER } as const;
const text = { type: 'string', maxLength: 4096, pattern: NO_LONG_DIGIT_RUN_PATTERN } as const;

/** JSON Schema (draft-07, for ajv) of PanScanReport. */
export const panScanFactsSchema: Readonly<Record<string, unknown>> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'pan-scan report',
  type: 'object',
  additionalProperties: false,
  required: ['root', 'scannedFiles', 'skippedFiles', 'bytesScanned', 'totalMatches', 'testNumbers', 'files'],
  properties: {
    root: text,
    scannedFiles: count,
    skippedFiles: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'reason'],
        properties: { path: text, reason: text },
      },
    },
    bytesScanned: count,
    totalMatches: count,
    testNumbers: count,
    files: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'count', 'brands', 'samples', 'lines'],
        properties: {
          path: text,
          count: { ...count, minimum: 1 },
          brands: {
            type: 'object',
            propertyNames: { enum: [...PAN_BRANDS] },
            additionalProperties: { ...count, minimum: 1 },
          },
          samples: {
            type: 'array',
            maxItems: PAN_SCAN_MAX_SAMPLES,
            uniqueItems: true,
            items: { type: 'string', pattern: MASKED_PAN_PATTERN },
          },
          lines: {
            type: 'array',
            maxItems: PAN_SCAN_MAX_LINES,
            uniqueItems: true,
            items: { ...count, minimum: 1 },
          },
        },
      },
    },
    truncated: { type: 'boolean' },
  },
};

export { ISSUER_RANGES, issuerOf, issuerOfDigits, PAN_BRANDS } from './issuers';
export type { IssuerRange, PanBrand } from './issuers';
export { luhnCheckDigit, luhnValid, luhnValidDigits } from './luhn';
export {
  CARD_GROUPINGS,
  containsPanLike,
  countNewlines,
  findPans,
  maskDigits,
  maskPanLike,
  PAN_SCAN_CONTEXT_CHARS,
  scanPanText,
} from './pan-detector';
export type { PanMatch, PanScanOptions, PanTextScan } from './pan-detector';
export {
  MASKED_PAN_PATTERN,
  NO_LONG_DIGIT_RUN_PATTERN,
  PAN_SCAN_MAX_INTEGER,
  PAN_SCAN_MAX_LINES,
  PAN_SCAN_MAX_SAMPLES,
  panScanFactsSchema,
} from './pan-report';
export type { PanScanFile, PanScanReport, PanScanSkippedFile } from './pan-report';
export { diffPanScanReports, panScanHandler, parsePanScanReport } from './pan-scan.handler';
export { PUBLIC_TEST_PANS } from './test-numbers';

import Ajv, { type ErrorObject } from 'ajv';

import type { ConfigChange, ConfigProblem } from '../config-document.model';
import type { ConfigKindHandler } from '../config-kind-handler';
import { ConfigParseError } from '../config-parse-error';
import { containsPanLike, maskPanLike } from './pan-detector';
import { MASKED_PAN_PATTERN, type PanScanFile, type PanScanReport, panScanFactsSchema } from './pan-report';

const MAX_PROBLEMS = 20;

const ajv = new Ajv({ allErrors: true, strict: true });
const validateReport = ajv.compile<PanScanReport>(panScanFactsSchema);

/**
 * The `pan-scan` kind: the JSON report of a stored card data scan. Parsing refuses anything
 * that could carry a full card number, even from a hostile client: the schema (masked samples,
 * no 13+ digit run in free text, no 12+ digit integer), then a detector pass over every string
 * and key for card-shaped numbers (grouped forms like "4111 1111 1111 1111"). Refusals name the
 * JSON pointer and the rule, never the offending value.
 */
export const panScanHandler: ConfigKindHandler<PanScanReport> = {
  kind: 'pan-scan',
  description:
    'Stored card data discovery: the JSON report of `driftwatch collect pan-scan --path DIR` — per-file ' +
    'counts of primary account numbers by brand, masked samples (first six and last four digits) and ' +
    'line numbers; never a full card number.',
  factsSchema: panScanFactsSchema,
  parse: parsePanScanReport,
  diff: diffPanScanReports,
};

export function parsePanScanReport(content: string): PanScanReport {
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch (error: unknown) {
    // The engine's message quotes the input around the error, which may be a card number: not kept.
    throw new ConfigParseError('pan-scan', [
      { pointer: '', reason: `not valid JSON${jsonErrorPosition(error)}` },
    ]);
  }
  if (!validateReport(data)) {
    const problems = (validateReport.errors ?? []).map(schemaProblem);
    // propertyNames and its enum report one bad key twice: keep each pointer and reason once.
    const unique = [...new Map(problems.map((p) => [`${p.pointer ?? ''}\n${p.reason}`, p])).values()];
    throw new ConfigParseError('pan-scan', unique.slice(0, MAX_PROBLEMS));
  }
  const problems = [...panLikeValues(data, ''), ...inconsistencies(data)];
  if (problems.length > 0) throw new ConfigParseError('pan-scan', problems.slice(0, MAX_PROBLEMS));
  return data;
}

/** Per file: card data newly found (setting-added), gone (setting-removed), count changed (setting-changed). */
export function diffPanScanReports(before: PanScanReport, after: PanScanReport): ConfigChange[] {
  const was = new Map(before.files.map((f) => [f.path, f]));
  const now = new Map(after.files.map((f) => [f.path, f]));
  const paths = [...new Set([...was.keys(), ...now.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const changes: ConfigChange[] = [];
  for (const path of paths) {
    const a = was.get(path);
    const b = now.get(path);
    if (!a && b) {
      changes.push({
        type: 'setting-added',
        path,
        to: b.count,
        description: `card data found in ${path}: ${numbers(b.count)} (${brandList(b)})`,
      });
    } else if (a && !b) {
      changes.push({
        type: 'setting-removed',
        path,
        from: a.count,
        description: `card data no longer found in ${path} (was ${numbers(a.count)})`,
      });
    } else if (a && b && a.count !== b.count) {
      changes.push({
        type: 'setting-changed',
        path,
        from: a.count,
        to: b.count,
        description: `card numbers in ${path}: ${a.count} -> ${b.count}`,
      });
    }
  }
  return changes;
}

function numbers(n: number): string {
  return n === 1 ? '1 card number' : `${n} card numbers`;
}

function brandList(file: PanScanFile): string {
  return Object.entries(file.brands)
    .map(([brand, n]) => `${brand} ${n}`)
    .join(', ');
}

function jsonErrorPosition(error: unknown): string {
  const at = error instanceof SyntaxError ? /position (\d{1,11})\b/.exec(error.message) : null;
  return at ? ` (at character ${at[1]})` : '';
}

function schemaProblem(error: ErrorObject): ConfigProblem {
  // Pointers and messages are masked too: a key of a hostile object can show up in a pointer.
  return { pointer: maskPanLike(error.instancePath), reason: maskPanLike(schemaReason(error)) };
}

function schemaReason(error: ErrorObject): string {
  if (error.keyword === 'pattern') {
    return error.params && (error.params as { pattern?: unknown }).pattern === MASKED_PAN_PATTERN
      ? 'must be a masked card number: first six and last four digits, the middle as *'
      : 'must not contain a run of 13 or more digits (mask card numbers)';
  }
  if (error.keyword === 'propertyNames' || error.keyword === 'enum') return 'must be a card brand name';
  return error.message ?? 'is invalid';
}

/** Every string value and key that holds a card-shaped number, by pointer (the value is not echoed). */
function panLikeValues(value: unknown, pointer: string): ConfigProblem[] {
  if (typeof value === 'string') {
    return containsPanLike(value)
      ? [{ pointer, reason: 'holds an unmasked card number (value not shown)' }]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => panLikeValues(item, `${pointer}/${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      return containsPanLike(key)
        ? [{ pointer, reason: 'has a key holding an unmasked card number (key not shown)' }]
        : panLikeValues(item, at);
    });
  }
  return [];
}

/** Totals that must add up: brands to count, counts to totalMatches; lines ascending. */
function inconsistencies(report: PanScanReport): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  let total = 0;
  report.files.forEach((file, i) => {
    total += file.count;
    const byBrand = Object.values(file.brands).reduce<number>((sum, n) => sum + (n ?? 0), 0);
    if (byBrand !== file.count) {
      problems.push({
        pointer: `/files/${i}/brands`,
        reason: `brand counts add up to ${byBrand}, not count ${file.count}`,
      });
    }
    if (file.samples.length > file.count) {
      problems.push({ pointer: `/files/${i}/samples`, reason: 'more samples than card numbers' });
    }
    if (file.lines.some((line, j) => j > 0 && line <= file.lines[j - 1])) {
      problems.push({ pointer: `/files/${i}/lines`, reason: 'must be ascending' });
    }
  });
  if (total !== report.totalMatches) {
    problems.push({
      pointer: '/totalMatches',
      reason: `is ${report.totalMatches}, but the files' counts add up to ${total}`,
    });
  }
  return problems;
}

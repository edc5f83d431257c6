/**
 * RFC 4180 CSV, one row at a time (so a caller can stream millions of rows), hardened against
 * CSV formula injection (OWASP): a text cell a spreadsheet would read as a formula is prefixed
 * with `'`, which makes Excel, LibreOffice and Google Sheets show it as text.
 */
export type CsvValue = string | number | boolean | Date | null | undefined;

/** The line ending RFC 4180 prescribes. */
export const CSV_EOL = '\r\n';

/** Leading characters that make a spreadsheet evaluate a cell (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Characters that force a field to be quoted (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: text neutralised and quoted as needed; numbers, booleans and dates written as they are. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, terminated by CRLF. */
export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',') + CSV_EOL;
}

/** A column of a CSV export: its header and how to read it from a record. */
export interface CsvColumn<T> {
  header: string;
  value: (record: T) => CsvValue;
}

/** The header line of `columns`. */
export function csvHeader<T>(columns: readonly CsvColumn<T>[]): string {
  return csvRow(columns.map((c) => c.header));
}

/** One record as a CSV line, in the order of `columns`. */
export function csvRecord<T>(columns: readonly CsvColumn<T>[], record: T): string {
  return csvRow(columns.map((c) => c.value(record)));
}

/**
 * The header then one line per record, pulled batch by batch from `batches`: the whole file is
 * never in memory, only the current batch.
 */
export async function* csvLines<T>(
  columns: readonly CsvColumn<T>[],
  batches: AsyncIterable<readonly T[]>,
): AsyncGenerator<string> {
  yield csvHeader(columns);
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    yield batch.map((record) => csvRecord(columns, record)).join('');
  }
}

import { createHash } from 'node:crypto';

import type { Pool, QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** Every column as PostgreSQL's text: no Date, array or JSON parsing in the driver. */
const TEXT_AS_IS = { getTypeParser: () => (value: string) => value };

/**
 * Runs a read as a named prepared statement on the connection pool TypeORM holds. PostgreSQL
 * then plans it once per connection instead of once per call (for the findings page, planning
 * cost as much as running it); here every column comes back as its text. For the hot read paths
 * only: writes go through TypeORM and its transactions. The name is the hash of the text, so one
 * name never stands for two statements.
 */
export async function preparedTextQuery<Row extends QueryResultRow>(
  dataSource: DataSource,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  return prepared<Row>(dataSource, text, values, true);
}

/** `preparedTextQuery` with the driver's usual parsing: dates, numbers, arrays, JSON. */
export async function preparedQuery<Row extends QueryResultRow>(
  dataSource: DataSource,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  return prepared<Row>(dataSource, text, values, false);
}

async function prepared<Row extends QueryResultRow>(
  dataSource: DataSource,
  text: string,
  values: unknown[],
  asText: boolean,
): Promise<Row[]> {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const name = `dw_${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
  const result = await pool.query<Row>({ name, text, values, ...(asText ? { types: TEXT_AS_IS } : {}) });
  return result.rows;
}

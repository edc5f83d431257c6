import { DataSource, type DataSourceOptions } from 'typeorm';

import { MIGRATIONS } from '@driftwatch/migrations';

import { ENTITIES } from './entities';

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
}

/** Schema comes from migrations only: synchronize is off everywhere. */
export function dataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
      // Keep an idle pool from holding a dead server's sockets forever after an outage.
      idleTimeoutMillis: 10_000,
    },
  };
}

// Any fixed 64-bit key: replicas starting together take turns running migrations.
const MIGRATION_LOCK_KEY = 7_306_928_417;

/** Run pending migrations under a PostgreSQL advisory lock, so concurrent replicas do not race. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

export async function withDataSource<T>(
  options: DatabaseOptions,
  fn: (ds: DataSource) => Promise<T>,
): Promise<T> {
  const ds = new DataSource(dataSourceOptions(options));
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

import type { DataSource, EntityManager } from 'typeorm';

/**
 * A row whose job is enqueued inside the transaction that creates it (so a refused job stores
 * nothing) can be looked for by a worker before that transaction commits. The creating
 * transaction holds a lock named after the row until it ends; a reader that finds no row waits on
 * that lock, then reads again.
 */
export async function holdWriterLock(manager: EntityManager, key: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}

/** `read` again after the transaction holding `key` (if any) has ended. */
export async function afterWriter<T>(
  dataSource: DataSource,
  key: string,
  read: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))', [key]);
    // READ COMMITTED: the next statement sees what the writer committed while this one waited.
    return read(manager);
  });
}

import type { DataSource, EntityManager } from 'typeorm';

/** Reads that see one state of the database however long they take; `close` ends them (twice is fine). */
export interface ConsistentRead {
  manager: EntityManager;
  readonly close: () => Promise<void>;
}

/**
 * A read-only REPEATABLE READ transaction on a connection of its own: every statement run through
 * `manager` sees the database as of its first one. An export walks a list in keyset pages over
 * minutes; read page by page outside one, an evaluation that moved the sort key (last seen) in
 * between made rows cross the cursor, and the file silently lost or repeated them.
 */
export async function openConsistentRead(dataSource: DataSource): Promise<ConsistentRead> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (error: unknown) {
    await runner.release();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    manager: runner.manager,
    close: () =>
      (closing ??= (async () => {
        try {
          await runner.query('ROLLBACK');
        } finally {
          await runner.release();
        }
      })()),
  };
}

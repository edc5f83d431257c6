import { Logger } from '@nestjs/common';

import { type DatabaseOptions, runMigrations, withDataSource } from '@driftwatch/persistence';

/**
 * Migrations run at every start (under an advisory lock). While PostgreSQL is still starting,
 * keep trying for a while instead of crash-looping.
 */
export async function prepareDatabase(options: DatabaseOptions, attempts = 30): Promise<string[]> {
  const logger = new Logger('Migrations');
  for (let attempt = 1; ; attempt++) {
    try {
      const applied = await withDataSource(options, runMigrations);
      if (applied.length > 0) logger.log(`applied ${applied.join(', ')}`);
      return applied;
    } catch (error: unknown) {
      if (attempt >= attempts) throw new Error('database migrations failed', { cause: error });
      logger.warn(`database not ready (${error instanceof Error ? error.message : String(error)}); retrying`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

import type { Env } from '../config/env';
import { createDataSource } from '../database/data-source';

// Applies pending migrations, each in its own transaction; returns the names that ran.
export async function migrate(env: Pick<Env, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'>): Promise<string[]> {
  const dataSource = createDataSource({ DATABASE_URL: env.DATABASE_URL, DATABASE_POOL_SIZE: 1 });
  await dataSource.initialize();
  try {
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

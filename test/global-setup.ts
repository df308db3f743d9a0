import { randomBytes } from 'node:crypto';
import { createDataSource } from '../src/database/data-source';
import { databaseUrl, templateDbName, withAdmin } from './support/test-db';

export default async function globalSetup(): Promise<void> {
  const id = `bf_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  process.env.BILLFOLD_TEST_RUN = id;
  const template = templateDbName(id);
  await withAdmin((client) => client.query(`CREATE DATABASE "${template}"`));
  const ds = createDataSource({ DATABASE_URL: databaseUrl(template), DATABASE_POOL_SIZE: 2 });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
}

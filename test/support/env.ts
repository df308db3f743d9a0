import { loadEnv, type Env } from '../../src/config/env';
import { runId } from './test-db';

export const TEST_MASTER_KEY = '6c1d5e0a9b7f4c3e2d1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c';

export function testEnv(databaseUrl: string, overrides: Record<string, string> = {}): Env {
  return loadEnv({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `{${runId()}-w${process.env.JEST_WORKER_ID ?? '1'}}`,
    PUBLIC_BASE_URL: 'https://billing.test',
    MASTER_KEY: TEST_MASTER_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
}

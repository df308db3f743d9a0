import { loadEnv, type Env } from '../../src/config/env';
import { runId } from './test-db';

export const TEST_MASTER_KEY = '6c1d5e0a9b7f4c3e2d1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c';

// The cheapest scrypt cost the configuration accepts: a sign-in in a test takes milliseconds, not
// the production cost's few hundred (a unit test checks that production cost is the default).
export const TEST_COSTS = { PASSWORD_SCRYPT_N: '1024', PASSWORD_SCRYPT_R: '1' } as const;

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
    ...TEST_COSTS,
    ...overrides,
  });
}

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { createApp } from '../../src/app';
import { loadEnv, type Env } from '../../src/config/env';
import { createDataSource } from '../../src/database/data-source';

// Where the throwaway database is created; overridable for machines whose PostgreSQL is elsewhere.
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

// The signals run.ts turns into a clean-up; keep the two lists in step.
export const HANDLED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface BenchApi {
  app: NestFastifyApplication;
  env: Env;
  baseUrl: string;
  // RSS of this process once the API has booted and settled, before any load: the baseline of the memory rows.
  idleRssBytes: number;
  database: string;
  redisPrefix: string;
}

type Disposer = { what: string; run: () => Promise<void> };

// The real API (createApp, the same pipeline main.ts serves) on a fresh migrated database and its own Redis prefix.
// Everything it creates is undone by `dispose`, which also runs when boot fails halfway.
export class ApiFixture {
  private readonly disposers: Disposer[] = [];

  async start(log: (m: string) => void): Promise<BenchApi> {
    const id = randomBytes(4).toString('hex');
    const database = `billfold_bench_${id}`;
    const redisPrefix = `{billfold-bench-${id}}`;

    await withAdmin((c) => c.query(`CREATE DATABASE "${database}"`));
    this.disposers.push({ what: `drop database ${database}`, run: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).then(() => undefined) });
    this.disposers.push({ what: `delete Redis keys ${redisPrefix}*`, run: () => deleteRedisKeys(`${redisPrefix}*`) });

    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    const env = loadEnv({
      // production would insist on an https PUBLIC_BASE_URL it never serves here; development changes nothing on these routes.
      NODE_ENV: 'development',
      DATABASE_URL: url.toString(),
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      PUBLIC_BASE_URL: 'https://bench.local',
      MASTER_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
    });

    const started = Date.now();
    const ds = createDataSource({ DATABASE_URL: env.DATABASE_URL, DATABASE_POOL_SIZE: 2 });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
    } finally {
      await ds.destroy();
    }
    log(`migrated ${database} in ${Date.now() - started} ms`);

    const before = new Map(HANDLED_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
    const app = await createApp({ env });
    this.disposers.push({ what: 'close the API', run: () => app.close() });
    // configureApp enables Nest's shutdown hooks, which on Ctrl-C close the app and re-raise the signal, killing
    // the process before the database is dropped. The bench owns its signals: dispose() closes the app itself.
    for (const signal of HANDLED_SIGNALS) {
      for (const listener of process.listeners(signal)) if (!before.get(signal)!.includes(listener)) process.removeListener(signal, listener);
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.getHttpServer().address() as AddressInfo;

    // Let boot-time allocations and timers settle before taking the idle figure.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idleRssBytes = process.memoryUsage.rss();
    log(`API listening on 127.0.0.1:${port} (${Date.now() - started} ms after migrations started)`);
    return { app, env, baseUrl: `http://127.0.0.1:${port}`, idleRssBytes, database, redisPrefix };
  }

  // Reverse order of creation: close the app before dropping its database. Every step runs even if one fails.
  async dispose(log: (m: string) => void): Promise<boolean> {
    let ok = true;
    while (this.disposers.length) {
      const step = this.disposers.pop()!;
      try {
        await step.run();
      } catch (err) {
        ok = false;
        log(`cleanup failed (${step.what}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return ok;
  }
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function deleteRedisKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

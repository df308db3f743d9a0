import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import type { Env } from '../config/env';
import { CliModule } from './cli.module';

// Runs one operator action inside a short-lived Nest context. Logs are silenced so that stdout
// carries only the command's own output (`--json` is piped into other tools), and the context is
// always closed so the process exits once the action is done.
export async function withCliContext<T>(env: Env, work: (ctx: INestApplicationContext) => Promise<T>): Promise<T> {
  await checkDatabase(env.DATABASE_URL);
  const quiet: Env = { ...env, LOG_LEVEL: 'silent' };
  const ctx = await NestFactory.createApplicationContext(CliModule.forRoot({ env: quiet }), { logger: false, abortOnError: false });
  try {
    await ctx.init();
    return await work(ctx);
  } finally {
    await ctx.close();
  }
}

// One plain connection first: the ORM module retries a refused connection for half a minute,
// while an operator wants the reason at once.
export async function checkDatabase(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } finally {
    await client.end().catch(() => undefined);
  }
}

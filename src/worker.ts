import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadEnv } from './config/env';
import { WorkerModule } from './worker.module';

// No HTTP: an application context whose BullMQ workers are closed on SIGTERM by the shutdown hooks.
export async function startWorker(): Promise<void> {
  const env = loadEnv();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ env }), { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.enableShutdownHooks();
  await app.init();
  // From process start (module loading included) to processors listening and schedules set.
  logger.log({ bootMs: Math.round(process.uptime() * 1000) }, 'worker ready');
}

if (require.main === module) {
  startWorker().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

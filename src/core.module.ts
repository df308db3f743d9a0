import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AuditRepository } from './audit/audit.repository';
import { ChangeRecorder } from './audit/change-recorder.service';
import { Clock, SystemClock } from './common/clock';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import type { Env } from './config/env';
import { dataSourceOptions } from './database/data-source';
import { Db } from './database/db.service';
import { IdempotencyRepository } from './idempotency/idempotency.repository';
import { MetricsService } from './infra/metrics.service';
import { RateLimiter } from './infra/rate-limiter';
import { RedisConnection } from './infra/redis';
import { loggerOptions } from './infra/logger';
import { OutboxRepository } from './outbox/outbox.repository';
import { QueueModule } from './queue/queue.module';

export interface CoreOptions {
  env: Env;
  clock?: Clock;
}

const SHARED = [Db, RedisConnection, RateLimiter, MetricsService, AuditRepository, OutboxRepository, ChangeRecorder, IdempotencyRepository];

// Everything both entry points need: config, clock, database, Redis, queues, logging, audit and outbox.
@Global()
@Module({})
export class CoreModule {
  static forRoot({ env, clock }: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ConfigModule.forRoot(env),
        LoggerModule.forRoot(loggerOptions(env)),
        TypeOrmModule.forRootAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => dataSourceOptions(config.env) }),
        QueueModule,
      ],
      providers: [{ provide: Clock, useValue: clock ?? new SystemClock() }, ...SHARED],
      exports: [Clock, QueueModule, ...SHARED],
    };
  }
}

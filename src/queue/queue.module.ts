import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { BOARD_QUEUES, JOB_DEFAULTS } from './jobs';

// Producers only: API and worker both enqueue; only the worker module registers processors.
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: { url: config.env.REDIS_URL },
        prefix: config.env.REDIS_PREFIX,
        defaultJobOptions: JOB_DEFAULTS,
      }),
    }),
    // Every queue is registered here once, so any module (and the queue board) can enqueue to it.
    BullModule.registerQueue(...BOARD_QUEUES.map((name) => ({ name }))),
  ],
  exports: [BullModule],
})
export class QueueModule {}

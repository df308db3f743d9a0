import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JOB_DEFAULTS, QueueName } from './jobs';

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
    BullModule.registerQueue({ name: QueueName.Maintenance }),
  ],
  exports: [BullModule],
})
export class QueueModule {}

import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, QueueName } from './jobs';

// Schedulers live in Redis but are re-created from code at every worker boot, so Redis can be lost.
@Injectable()
export class SchedulesService implements OnApplicationBootstrap {
  constructor(@InjectQueue(QueueName.Maintenance) private readonly maintenance: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.maintenance.upsertJobScheduler('purge-idempotency-keys', { every: 60 * 60 * 1000 }, { name: JobName.PurgeIdempotencyKeys, data: {} });
  }
}

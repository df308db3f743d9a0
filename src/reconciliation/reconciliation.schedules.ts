import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { INGEST_QUEUE, TICK_JOB, tickSchedulerId } from './reconciliation.jobs';

// Re-created at every worker boot from configuration, so losing Redis loses nothing.
@Injectable()
export class ReconciliationSchedules implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(INGEST_QUEUE) private readonly ingest: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const chain of this.config.env.CHAINS) {
      await this.ingest.upsertJobScheduler(
        tickSchedulerId(chain.chainId),
        { every: chain.tickMs },
        { name: TICK_JOB, data: { chainId: chain.chainId }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } } },
      );
    }
  }
}

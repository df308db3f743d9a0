import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { BILLING_QUEUE, BILLING_SWEEP_EVERY_MS, BILLING_SWEEP_SCHEDULER_ID, BillingJobName } from './billing.jobs';

// Re-created at every worker boot, so a lost Redis only delays billing by one tick.
@Injectable()
export class BillingSchedules implements OnApplicationBootstrap {
  constructor(@InjectQueue(BILLING_QUEUE) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    // One attempt: a failed sweep is retried by the next tick a minute later, and every rule is idempotent.
    await this.queue.upsertJobScheduler(BILLING_SWEEP_SCHEDULER_ID, { every: BILLING_SWEEP_EVERY_MS }, { name: BillingJobName.Sweep, data: {}, opts: { attempts: 1 } });
  }
}

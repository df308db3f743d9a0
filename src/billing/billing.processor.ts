import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { BILLING_QUEUE, BillingJobName } from './billing.jobs';
import { BillingSweeper } from './billing-sweeper.service';

// Thin: delegates and lets errors propagate so the job fails visibly (and BullMQ retries it).
@Processor(BILLING_QUEUE)
export class BillingProcessor extends WorkerHost {
  private readonly logger = new Logger(BillingProcessor.name);

  constructor(private readonly sweeper: BillingSweeper) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name as BillingJobName) {
      case BillingJobName.Sweep:
        return this.sweeper.sweep();
      default:
        throw new Error(`unknown job ${job.name}`);
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    this.logger.warn({ job: job?.name, attempt: job?.attemptsMade, err: err.message }, 'billing job failed');
  }
}

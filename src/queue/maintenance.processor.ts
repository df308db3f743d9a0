import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { Clock } from '../common/clock';
import { IDEMPOTENCY_TTL_MS } from '../idempotency/idempotency.service';
import { IdempotencyRepository } from '../idempotency/idempotency.repository';
import { JobName, QueueName } from './jobs';

// Thin: delegates and lets errors propagate so BullMQ retries.
@Processor(QueueName.Maintenance)
export class MaintenanceProcessor extends WorkerHost {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly idempotency: IdempotencyRepository,
    private readonly clock: Clock,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name as JobName) {
      case JobName.PurgeIdempotencyKeys: {
        const purged = await this.idempotency.purgeOlderThan(new Date(this.clock.now().getTime() - IDEMPOTENCY_TTL_MS));
        return { purged };
      }
      default:
        throw new Error(`unknown job ${job.name}`);
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    this.logger.warn({ job: job?.name, attempt: job?.attemptsMade, err: err.message }, 'maintenance job failed');
  }
}

import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WEBHOOK_QUEUE, WebhookJobName, type AttemptJobData } from './webhook.jobs';

// Thin: delegates, and lets our own errors (database, Redis) propagate so BullMQ retries the job.
// A receiver's failure is not an error here: the delivery service logs it and schedules the next attempt.
@Processor(WEBHOOK_QUEUE, { concurrency: 8 })
export class WebhookProcessor extends WorkerHost {
  private readonly logger = new Logger(WebhookProcessor.name);

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly delivery: WebhookDeliveryService,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name as WebhookJobName) {
      case WebhookJobName.Tick: {
        const dispatched = await this.dispatcher.drain(5);
        const swept = await this.delivery.sweepDue();
        return { ...dispatched, swept };
      }
      case WebhookJobName.Attempt: {
        const { deliveryId, attempt } = job.data as AttemptJobData;
        const report = await this.delivery.attempt(deliveryId, attempt);
        return report ? { outcome: report.outcome, status: report.responseStatus } : { skipped: true };
      }
      case WebhookJobName.Purge:
        return { purged: await this.delivery.purge() };
      default:
        throw new UnrecoverableError(`unknown job ${job.name}`);
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    this.logger.warn({ job: job?.name, attempt: job?.attemptsMade, err: err.message }, 'webhook job failed');
  }
}

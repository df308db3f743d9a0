import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { WEBHOOK_PURGE_EVERY_MS, WEBHOOK_PURGE_SCHEDULER_ID, WEBHOOK_QUEUE, WEBHOOK_TICK_EVERY_MS, WEBHOOK_TICK_SCHEDULER_ID, WebhookJobName } from './webhook.jobs';

// Re-created at every worker boot: losing Redis loses no webhook, since the outbox and the
// deliveries' next_attempt_at in PostgreSQL are what the tick works from.
@Injectable()
export class WebhookSchedules implements OnApplicationBootstrap {
  constructor(@InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    // One attempt each: the next tick is a second away, and every step is idempotent.
    await this.queue.upsertJobScheduler(WEBHOOK_TICK_SCHEDULER_ID, { every: WEBHOOK_TICK_EVERY_MS }, { name: WebhookJobName.Tick, data: {}, opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } } });
    await this.queue.upsertJobScheduler(WEBHOOK_PURGE_SCHEDULER_ID, { every: WEBHOOK_PURGE_EVERY_MS }, { name: WebhookJobName.Purge, data: {}, opts: { attempts: 1 } });
  }
}

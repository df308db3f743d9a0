import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { ColumnCipher } from '../common/crypto/column-cipher';
import type { Tenant } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { MailerService } from '../mail/mailer.service';
import { MerchantRepository } from '../merchants/merchant.repository';
import type { OutboxEventEntity } from '../outbox/outbox-event.entity';
import { deliver, type EgressPolicy, type ErrorClass } from './egress';
import { DISABLE_AFTER_FAILING_MS, nextAttemptDelayMs, parseRetryAfter, RETRY_AFTER_STATUSES } from './retry-schedule';
import type { AttemptOutcome } from './webhook-attempt.entity';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookDeliveryRepository, type NewDelivery } from './webhook-delivery.repository';
import type { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookEventRepository } from './webhook-event.repository';
import { ATTEMPT_JOB_OPTIONS, attemptJobId, SWEEP_BATCH_SIZE, WEBHOOK_ACTOR, WEBHOOK_QUEUE, WebhookJobName, type AttemptJobData } from './webhook.jobs';
import { endpointSecrets } from './webhook-secrets';
import { WebhookSigningKeyService } from './webhook-signing-key.service';
import { signatureHeader } from './webhook-signer';

export const USER_AGENT = 'Billfold-Webhooks/1.0 (+https://www.standardwebhooks.com)';
// Beyond the request timeout, so a live sender never loses its lease.
const LEASE_MARGIN_MS = 60_000;
// A merchant hears about exhausted deliveries at most this often per endpoint.
const FAILURE_NOTICE_PERIOD_MS = 24 * 3600 * 1000;

export interface AttemptReport {
  deliveryId: string;
  attempt: number;
  outcome: AttemptOutcome;
  responseStatus: number | null;
  errorClass: ErrorClass | null;
  nextAttemptAt: Date | null;
}

export type DisableReason = 'gone' | 'failing';

export function egressPolicy(config: AppConfig): EgressPolicy {
  return { allowLoopback: config.env.WEBHOOK_ALLOW_LOOPBACK, allowedPorts: config.env.WEBHOOK_ALLOWED_PORTS };
}

// The body is serialised once per attempt, and these exact bytes are both signed and sent.
export function payloadBytes(event: Pick<OutboxEventEntity, 'type' | 'createdAt' | 'data'>): Buffer {
  // Fields in documented order (jsonb does not keep the order they were written in).
  const data = { object: event.data.object, initiated_by: event.data.initiated_by, changes: event.data.changes };
  return Buffer.from(JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data }), 'utf8');
}

// One attempt of one delivery: claim the slot, sign, send through the egress guard, log the
// attempt, schedule the next one. The database decides who sends what; jobs only wake workers up.
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly cipher: ColumnCipher;
  private readonly policy: EgressPolicy;

  constructor(
    private readonly db: Db,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly events: WebhookEventRepository,
    private readonly keys: WebhookSigningKeyService,
    private readonly merchants: MerchantRepository,
    private readonly changes: ChangeRecorder,
    private readonly mailer: MailerService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue,
  ) {
    this.cipher = new ColumnCipher(config.env.MASTER_KEY);
    this.policy = egressPolicy(config);
  }

  async attempt(deliveryId: string, expectedAttempt?: number): Promise<AttemptReport | null> {
    const claimedAt = this.clock.now();
    const timeoutMs = this.config.env.WEBHOOK_TIMEOUT_MS;
    const delivery = await this.deliveries.claim(deliveryId, expectedAttempt, claimedAt, new Date(claimedAt.getTime() + timeoutMs + LEASE_MARGIN_MS));
    if (!delivery) return null;
    const [endpoint, event] = await Promise.all([this.endpoints.findById(delivery.endpointId), this.events.findById(delivery.eventId)]);
    if (!endpoint || !event || endpoint.deletedAt || endpoint.status !== 'enabled') {
      await this.deliveries.close(delivery.id, 'failed', endpoint && !endpoint.deletedAt ? 'endpoint_disabled' : 'endpoint_deleted', claimedAt);
      return null;
    }
    try {
      return await this.send(delivery, endpoint, event);
    } catch (err) {
      // Our own failure (database, key material): free the slot for the job's retry at once
      // rather than after the lease runs out, then let the job fail visibly.
      await this.deliveries.release(delivery.id, delivery.attemptCount).catch(() => undefined);
      throw err;
    }
  }

  private async send(delivery: WebhookDeliveryEntity, endpoint: WebhookEndpointEntity, event: OutboxEventEntity): Promise<AttemptReport | null> {
    const tenant: Tenant = { merchantId: delivery.merchantId, livemode: delivery.livemode };
    const attempt = delivery.attemptCount + 1;
    const timeoutMs = this.config.env.WEBHOOK_TIMEOUT_MS;

    const now = this.clock.now();
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = payloadBytes(event);
    const signature = signatureHeader({ secrets: endpointSecrets(this.cipher, endpoint, now), ed25519: await this.keys.privateKey(tenant, WEBHOOK_ACTOR) }, event.id, timestamp, body);
    const result = await deliver(
      endpoint.url,
      {
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          // The event id: stable across retries and redeliveries, the receiver's dedupe key.
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        body,
        timeoutMs,
      },
      this.policy,
    );

    const finishedAt = this.clock.now();
    const delivered = result.status !== null && result.status >= 200 && result.status < 300;
    const gone = result.status === 410;
    let outcome: AttemptOutcome;
    let nextAttemptAt: Date | null = null;
    if (delivered) outcome = 'delivered';
    else if (gone) outcome = 'endpoint_disabled';
    else {
      const delay = nextAttemptDelayMs(attempt, undefined, delivery.maxAttempts);
      if (delay === null) outcome = 'failed';
      else {
        outcome = 'retry';
        const retryAfter = result.status !== null && RETRY_AFTER_STATUSES.has(result.status) ? parseRetryAfter(result.retryAfter, finishedAt) : null;
        nextAttemptAt = new Date(finishedAt.getTime() + Math.max(delay, retryAfter ?? 0));
      }
    }

    const after: { disabled: DisableReason | null; notifyExhausted: boolean } = { disabled: null, notifyExhausted: false };
    const recorded = await this.db.transaction(async () => {
      const inserted = await this.deliveries.insertAttempt(
        Object.assign(new WebhookAttemptEntity(), {
          deliveryId: delivery.id,
          attempt,
          merchantId: delivery.merchantId,
          livemode: delivery.livemode,
          eventId: delivery.eventId,
          endpointId: delivery.endpointId,
          attemptedAt: now,
          urlHost: result.host,
          responseStatus: result.status,
          latencyMs: result.latencyMs,
          responseExcerpt: result.excerpt,
          errorClass: result.errorClass,
          outcome,
          nextAttemptAt,
        }),
      );
      // Another worker logged this slot (our lease had run out): its outcome stands.
      if (!inserted) return false;
      await this.deliveries.finishAttempt(delivery.id, {
        status: outcome === 'delivered' ? 'delivered' : outcome === 'retry' ? 'pending' : 'failed',
        attemptCount: attempt,
        nextAttemptAt,
        lastResponseStatus: result.status,
        lastError: result.errorClass ?? (delivered ? null : `http_${result.status}`),
        completedAt: outcome === 'retry' ? null : finishedAt,
      });
      if (delivered) {
        await this.endpoints.markSucceeded(endpoint.id);
        return true;
      }
      if (gone) after.disabled = (await this.disable(tenant, endpoint, 'gone', finishedAt)) ? 'gone' : null;
      else {
        const failingSince = await this.endpoints.markFailed(endpoint.id, finishedAt);
        if (failingSince && finishedAt.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS) {
          after.disabled = (await this.disable(tenant, endpoint, 'failing', finishedAt)) ? 'failing' : null;
        } else if (outcome === 'failed' && delivery.trigger === 'event') {
          after.notifyExhausted = await this.endpoints.claimFailureNotice(endpoint.id, finishedAt, FAILURE_NOTICE_PERIOD_MS);
        }
      }
      return true;
    });
    if (!recorded) return null;

    if (nextAttemptAt) await this.enqueue([{ id: delivery.id, attempt: attempt + 1 }], nextAttemptAt.getTime() - finishedAt.getTime());
    if (after.disabled) await this.notifyDisabled(endpoint, after.disabled);
    else if (after.notifyExhausted) await this.notifyExhausted(endpoint, delivery);
    return { deliveryId: delivery.id, attempt, outcome, responseStatus: result.status, errorClass: result.errorClass, nextAttemptAt };
  }

  // New deliveries outside the dispatcher (test events, redeliveries). The caller enqueues them
  // through withDeliveries, once its transaction is over.
  async create(rows: NewDelivery[]): Promise<WebhookDeliveryEntity[]> {
    const created = await this.deliveries.insertMany(rows);
    return Promise.all(created.map(async (c) => (await this.deliveries.findById(c.id))!));
  }

  // Runs `work` in a transaction, then enqueues the first attempt of the deliveries it returns. When
  // the caller already holds a transaction (an idempotent API request), the commit is not ours to
  // wait for: a job enqueued now could run before the rows are visible, so the tick's sweep
  // (every second) enqueues them instead.
  async withDeliveries<T>(work: () => Promise<{ result: T; deliveries: WebhookDeliveryEntity[] }>): Promise<T> {
    const outer = this.db.inTransaction;
    const { result, deliveries } = await this.db.transaction(work);
    if (!outer) await this.enqueue(deliveries.map((d) => ({ id: d.id, attempt: d.attemptCount + 1 })));
    return result;
  }

  // Wakes a worker for each slot. Failures are logged, not thrown: the sweep enqueues the slot again.
  async enqueue(slots: { id: string; attempt: number }[], delayMs = 0): Promise<void> {
    if (!slots.length) return;
    try {
      await this.queue.addBulk(
        slots.map((s) => ({
          name: WebhookJobName.Attempt,
          data: { deliveryId: s.id, attempt: s.attempt } satisfies AttemptJobData,
          opts: { ...ATTEMPT_JOB_OPTIONS, jobId: attemptJobId(s.id, s.attempt), delay: Math.max(0, delayMs) },
        })),
      );
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, count: slots.length }, 'could not enqueue webhook attempts; the sweep will retry');
    }
  }

  // Due slots with no live sender: a lost job, a full Redis, a crashed worker. Re-adding a job that
  // still exists is a no-op (same jobId), and the claim stops a slot from being sent twice.
  async sweepDue(): Promise<number> {
    const due = await this.deliveries.due(this.clock.now(), SWEEP_BATCH_SIZE);
    await this.enqueue(due);
    return due.length;
  }

  async purge(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.env.WEBHOOK_LOG_RETENTION_DAYS * 24 * 3600 * 1000);
    return this.deliveries.purgeFinishedBefore(cutoff);
  }

  private async disable(tenant: Tenant, endpoint: WebhookEndpointEntity, reason: DisableReason, now: Date): Promise<boolean> {
    if (!(await this.endpoints.disable(endpoint.id, reason, now))) return false;
    await this.changes.record(tenant, WEBHOOK_ACTOR, {
      action: 'webhook_endpoint.disable',
      eventType: null,
      targetType: 'webhook_endpoint',
      targetId: endpoint.id,
      object: { id: endpoint.id, url: endpoint.url },
      before: { status: 'enabled' },
      after: { status: 'disabled', disabledReason: reason },
    });
    return true;
  }

  private async notifyDisabled(endpoint: WebhookEndpointEntity, reason: DisableReason): Promise<void> {
    const why = reason === 'gone' ? ['it answered 410 Gone, which means "stop sending".'] : ['every delivery to it has failed for 5 days.'];
    await this.notify(endpoint, `Webhook endpoint disabled: ${hostOf(endpoint.url)}`, [
      'Billfold stopped sending webhooks to your endpoint',
      `${endpoint.id} (${hostOf(endpoint.url)}, ${endpoint.livemode ? 'live' : 'test'} mode)`,
      'because',
      ...why,
      '',
      'Fix the receiver, then re-enable the endpoint in the dashboard',
      'or with PATCH /api/v1/webhook-endpoints/<id> {"enabled": true}.',
      'Missed events can be sent again with',
      'POST /api/v1/events/<event id>/redeliver.',
    ]);
  }

  private async notifyExhausted(endpoint: WebhookEndpointEntity, delivery: WebhookDeliveryEntity): Promise<void> {
    await this.notify(endpoint, `Webhook deliveries are failing: ${hostOf(endpoint.url)}`, [
      `Billfold gave up delivering event ${delivery.eventId}`,
      `to your endpoint ${endpoint.id}`,
      `(${hostOf(endpoint.url)}, ${endpoint.livemode ? 'live' : 'test'} mode)`,
      `after ${delivery.maxAttempts} attempts over about a day.`,
      '',
      'Every attempt and the response it got is listed in the dashboard',
      'and under GET /api/v1/events/<event id>. Send it again with',
      'POST /api/v1/events/<event id>/redeliver. An endpoint whose',
      'deliveries keep failing for 5 days is disabled.',
    ]);
  }

  // Best effort after the commit: a mail outage must not undo or repeat the attempt.
  private async notify(endpoint: WebhookEndpointEntity, subject: string, lines: string[]): Promise<void> {
    try {
      const merchant = await this.merchants.getById(endpoint.merchantId);
      const to = merchant?.branding.supportEmail;
      if (!to) {
        this.logger.warn({ endpointId: endpoint.id, subject }, 'merchant has no support email; webhook notice not sent');
        return;
      }
      await this.mailer.send({ to, subject, text: lines.join('\n') });
    } catch (err) {
      this.logger.warn({ endpointId: endpoint.id, err: (err as Error).message }, 'webhook notice email failed');
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Db } from '../database/db.service';
import { MAX_ATTEMPTS } from './retry-schedule';
import { WebhookDeliveryRepository, type NewDelivery } from './webhook-delivery.repository';
import { WebhookDeliveryService } from './webhook-delivery.service';
import type { DispatchEndpoint } from './webhook-endpoint.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookEventRepository, type ClaimedEvent } from './webhook-event.repository';
import { DISPATCH_BATCH_SIZE } from './webhook.jobs';

export interface DispatchResult {
  events: number;
  deliveries: number;
}

// Drains the outbox: each undispatched event becomes one delivery per matching endpoint.
@Injectable()
export class WebhookDispatcher {
  constructor(
    private readonly db: Db,
    private readonly events: WebhookEventRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly delivery: WebhookDeliveryService,
    private readonly clock: Clock,
  ) {}

  // One batch in one transaction: claim (SKIP LOCKED, so racing dispatchers take disjoint rows),
  // fan out, mark dispatched. Jobs are enqueued after the commit, when the rows are visible; if
  // that fails, the sweep enqueues them instead.
  async dispatchOnce(limit = DISPATCH_BATCH_SIZE): Promise<DispatchResult> {
    const now = this.clock.now();
    const { events, created } = await this.db.transaction(async () => {
      const claimed = await this.events.claimUndispatched(limit);
      if (!claimed.length) return { events: 0, created: [] };
      const endpoints = await this.endpoints.enabledFor([...new Set(claimed.map((e) => e.merchantId))]);
      const rows = claimed.flatMap((event) => endpoints.filter((endpoint) => matches(endpoint, event)).map((endpoint) => newDelivery(event, endpoint, now)));
      const inserted = await this.deliveries.insertMany(rows);
      await this.events.markDispatched(
        claimed.map((e) => e.id),
        now,
      );
      return { events: claimed.length, created: inserted };
    });
    await this.delivery.enqueue(created);
    return { events, deliveries: created.length };
  }

  // Until the outbox is empty (or `maxBatches` batches): used by the tick and by tests.
  async drain(maxBatches = 20): Promise<DispatchResult> {
    const total = { events: 0, deliveries: 0 };
    for (let i = 0; i < maxBatches; i++) {
      const batch = await this.dispatchOnce();
      total.events += batch.events;
      total.deliveries += batch.deliveries;
      if (batch.events < DISPATCH_BATCH_SIZE) break;
    }
    return total;
  }
}

// Same merchant and mode, subscribed to the type, and already there when the event happened:
// an endpoint does not receive the history from before it existed.
export function matches(endpoint: DispatchEndpoint, event: ClaimedEvent): boolean {
  return (
    endpoint.merchantId === event.merchantId &&
    endpoint.livemode === event.livemode &&
    endpoint.createdAt.getTime() <= event.createdAt.getTime() &&
    (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(event.type))
  );
}

function newDelivery(event: ClaimedEvent, endpoint: DispatchEndpoint, now: Date): NewDelivery {
  return { merchantId: event.merchantId, livemode: event.livemode, eventId: event.id, endpointId: endpoint.id, trigger: 'event', maxAttempts: MAX_ATTEMPTS, nextAttemptAt: now };
}

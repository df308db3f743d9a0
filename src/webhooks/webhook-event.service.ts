import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import type { Actor, Tenant } from '../common/tenant';
import type { Page } from '../database/tenant-scope';
import type { OutboxEventEntity } from '../outbox/outbox-event.entity';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookDeliveryRepository, type DeliveryFilter } from './webhook-delivery.repository';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookEventRepository, type EventFilter } from './webhook-event.repository';
import { deliveryView, eventView, type DeliveryView, type EventView } from './webhook.presenter';

export type EventWithDeliveries = EventView & { deliveries: DeliveryView[] };

// The merchant's view of its events (the outbox), their deliveries and every attempt, and replay.
@Injectable()
export class WebhookEventService {
  constructor(
    private readonly events: WebhookEventRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly delivery: WebhookDeliveryService,
    private readonly changes: ChangeRecorder,
    private readonly clock: Clock,
  ) {}

  list(tenant: Tenant, filter: EventFilter): Promise<Page<OutboxEventEntity>> {
    return this.events.list(tenant, filter);
  }

  async get(tenant: Tenant, id: string): Promise<EventWithDeliveries> {
    const event = await this.events.getById(tenant, id);
    return { ...eventView(event), deliveries: await this.withAttempts(tenant, await this.deliveries.forEvent(tenant, id)) };
  }

  // Deliveries, newest first; filter by endpoint, event or status.
  listDeliveries(tenant: Tenant, filter: DeliveryFilter): Promise<Page<WebhookDeliveryEntity>> {
    return this.deliveries.list(tenant, filter);
  }

  // One delivery with every attempt made (status, latency, response excerpt, error class, next attempt).
  async getDelivery(tenant: Tenant, id: string): Promise<DeliveryView> {
    const [view] = await this.withAttempts(tenant, [await this.deliveries.getById(tenant, id)]);
    return view;
  }

  // Sends the event again, with the same webhook-id, as a new single-attempt delivery: to one
  // endpoint, or to every enabled endpoint whose filter matches the event.
  async redeliver(tenant: Tenant, actor: Actor, id: string, input: { endpointId?: string } = {}): Promise<DeliveryView[]> {
    return this.delivery.withDeliveries(async () => {
      const event = await this.events.getById(tenant, id);
      let endpointIds: string[];
      if (input.endpointId) {
        const endpoint = await this.endpoints.getById(tenant, input.endpointId);
        if (endpoint.status !== 'enabled') throw new DomainError('conflict', `Webhook endpoint ${endpoint.id} is disabled; enable it first`);
        endpointIds = [endpoint.id];
      } else {
        endpointIds = (await this.endpoints.enabledFor([tenant.merchantId]))
          .filter((e) => e.livemode === tenant.livemode && (e.eventTypes.length === 0 || e.eventTypes.includes(event.type)))
          .map((e) => e.id);
        if (!endpointIds.length) throw new DomainError('conflict', 'No enabled webhook endpoint receives this event type');
      }
      const now = this.clock.now();
      const created = await this.delivery.create(
        endpointIds.map((endpointId) => ({ merchantId: tenant.merchantId, livemode: tenant.livemode, eventId: event.id, endpointId, trigger: 'redeliver' as const, maxAttempts: 1, nextAttemptAt: now })),
      );
      await this.changes.record(tenant, actor, {
        action: 'event.redeliver',
        eventType: null,
        targetType: 'event',
        targetId: event.id,
        object: { id: event.id, type: event.type },
        after: { deliveryIds: created.map((d) => d.id), endpointIds },
      });
      return { result: created.map((d) => deliveryView(d, [])), deliveries: created };
    });
  }

  private async withAttempts(tenant: Tenant, deliveries: WebhookDeliveryEntity[]): Promise<DeliveryView[]> {
    const attempts = await this.deliveries.attemptsFor(
      tenant,
      deliveries.map((d) => d.id),
    );
    return deliveries.map((d) =>
      deliveryView(
        d,
        attempts.filter((a) => a.deliveryId === d.id),
      ),
    );
  }
}

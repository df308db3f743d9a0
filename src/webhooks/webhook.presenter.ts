import type { OutboxEventEntity } from '../outbox/outbox-event.entity';
import type { WebhookAttemptEntity } from './webhook-attempt.entity';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import type { WebhookEndpointEntity } from './webhook-endpoint.entity';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

// Never the secret: it is shown once, by create and rotate-secret, next to this view.
export function endpointView(e: WebhookEndpointEntity, now: Date) {
  const overlap = e.previousSecretEnc && e.previousSecretExpiresAt && e.previousSecretExpiresAt > now;
  return {
    id: e.id,
    object: 'webhook_endpoint' as const,
    livemode: e.livemode,
    url: e.url,
    description: e.description,
    // Empty: every event type.
    eventTypes: e.eventTypes,
    status: e.status,
    disabledReason: e.disabledReason,
    disabledAt: iso(e.disabledAt),
    failingSince: iso(e.failingSince),
    // Until then, deliveries are signed with the previous secret too.
    previousSecretExpiresAt: overlap ? iso(e.previousSecretExpiresAt) : null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

export type EndpointView = ReturnType<typeof endpointView>;

export function eventView(e: OutboxEventEntity) {
  return {
    id: e.id,
    object: 'event' as const,
    livemode: e.livemode,
    type: e.type,
    createdAt: e.createdAt.toISOString(),
    data: e.data,
  };
}

export type EventView = ReturnType<typeof eventView>;

export function attemptView(a: WebhookAttemptEntity) {
  return {
    object: 'webhook_attempt' as const,
    attempt: a.attempt,
    attemptedAt: a.attemptedAt.toISOString(),
    urlHost: a.urlHost,
    responseStatus: a.responseStatus,
    latencyMs: a.latencyMs,
    responseExcerpt: a.responseExcerpt,
    errorClass: a.errorClass,
    outcome: a.outcome,
    nextAttemptAt: iso(a.nextAttemptAt),
  };
}

export type AttemptView = ReturnType<typeof attemptView>;

export function deliveryView(d: WebhookDeliveryEntity, attempts?: WebhookAttemptEntity[]) {
  return {
    id: d.id,
    object: 'webhook_delivery' as const,
    livemode: d.livemode,
    eventId: d.eventId,
    endpointId: d.endpointId,
    trigger: d.trigger,
    status: d.status,
    attemptCount: d.attemptCount,
    maxAttempts: d.maxAttempts,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    lastResponseStatus: d.lastResponseStatus,
    lastError: d.lastError,
    completedAt: iso(d.completedAt),
    createdAt: d.createdAt.toISOString(),
    ...(attempts ? { attempts: attempts.map(attemptView) } : {}),
  };
}

export type DeliveryView = ReturnType<typeof deliveryView>;

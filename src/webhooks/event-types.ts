// Every event type a webhook endpoint can receive (and filter on). A state change that emits a new
// type must add it here; event-types.spec.ts scans the sources and fails until it is listed.
export const WEBHOOK_EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.payment_method_updated',
  'customer.wallet_linked',
  'customer.wallet_unlinked',
  'subscription.created',
  'subscription.activated',
  'subscription.renewed',
  'subscription.updated',
  'subscription.pending_update_expired',
  'subscription.cancellation_scheduled',
  'subscription.cancellation_unscheduled',
  'subscription.paused',
  'subscription.resumed',
  'subscription.past_due',
  'subscription.payment_reversed',
  'subscription.unpaid',
  'subscription.canceled',
  'subscription.expired',
  'invoice.created',
  'invoice.paid',
  'invoice.partially_paid',
  'invoice.overpaid',
  'invoice.reopened',
  'invoice.expired',
  'invoice.voided',
  'payment.detected',
  'payment.confirmed',
  'payment.matched',
  'payment.unmatched',
  'payment.reversed',
  'payment_claim.created',
  'payment_claim.needs_review',
  'payment_claim.verified',
  'payment_claim.rejected',
  'portal.link_created',
  'webhook.test',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

// Sent by "send test event"; it reaches the chosen endpoint whatever its filter.
export const TEST_EVENT_TYPE: WebhookEventType = 'webhook.test';

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

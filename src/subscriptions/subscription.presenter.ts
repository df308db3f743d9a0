import type { InvoiceEntity } from '../invoices/invoice.entity';
import { invoiceView } from '../invoices/invoice.presenter';
import type { SubscriptionEntity } from './subscription.entity';
import { pendingUpdateOf } from './subscription.mapper';

export function subscriptionView(s: SubscriptionEntity, latestInvoice?: InvoiceEntity | null) {
  return {
    id: s.id,
    object: 'subscription' as const,
    livemode: s.livemode,
    status: s.status,
    customerId: s.customerId,
    planId: s.planId,
    priceId: s.priceId,
    assetId: s.assetId,
    quantity: s.quantity,
    currentPeriodStart: s.currentPeriodStart.toISOString(),
    currentPeriodEnd: s.currentPeriodEnd.toISOString(),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    cancellationReason: s.cancellationReason,
    canceledAt: s.canceledAt?.toISOString() ?? null,
    endedAt: s.endedAt?.toISOString() ?? null,
    pausedAt: s.pausedAt?.toISOString() ?? null,
    resumeAt: s.resumeAt?.toISOString() ?? null,
    graceUntil: s.graceUntil?.toISOString() ?? null,
    pendingPlanId: s.pendingPlanId,
    pendingUpdate: pendingUpdateView(s),
    metadata: s.metadata,
    ...(latestInvoice !== undefined ? { latestInvoice: latestInvoice ? invoiceView(latestInvoice) : null } : {}),
    createdAt: s.createdAt.toISOString(),
  };
}

export type SubscriptionView = ReturnType<typeof subscriptionView>;

// The lifecycle-relevant fields, for before/after diffs in audit rows and events.
export function subscriptionStateView(s: SubscriptionEntity) {
  const v = subscriptionView(s);
  return {
    status: v.status,
    planId: v.planId,
    currentPeriodStart: v.currentPeriodStart,
    currentPeriodEnd: v.currentPeriodEnd,
    cancelAtPeriodEnd: v.cancelAtPeriodEnd,
    cancellationReason: v.cancellationReason,
    canceledAt: v.canceledAt,
    endedAt: v.endedAt,
    pausedAt: v.pausedAt,
    resumeAt: v.resumeAt,
    graceUntil: v.graceUntil,
    pendingPlanId: v.pendingPlanId,
    pendingUpdate: v.pendingUpdate,
  };
}

// An upgrade that takes effect once its proration invoice is paid (null when none waits).
function pendingUpdateView(s: SubscriptionEntity): { planId: string; priceId: string; invoiceId: string; createdAt: string } | null {
  const p = pendingUpdateOf(s);
  return p && { planId: p.planId, priceId: p.priceId, invoiceId: p.invoiceId, createdAt: p.createdAt.toISOString() };
}

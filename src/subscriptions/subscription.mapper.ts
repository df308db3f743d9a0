import type { SubscriptionEntity } from './subscription.entity';
import type { LifecycleState, PendingUpdate } from './subscription-lifecycle';

// The lifecycle module works on plain state; these functions move it in and out of the row.
export function toLifecycleState(s: SubscriptionEntity): LifecycleState {
  return {
    status: s.status,
    currentPeriodStart: s.currentPeriodStart,
    currentPeriodEnd: s.currentPeriodEnd,
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    cancellationReason: s.cancellationReason,
    canceledAt: s.canceledAt,
    endedAt: s.endedAt,
    pausedAt: s.pausedAt,
    resumeAt: s.resumeAt,
    graceUntil: s.graceUntil,
    planId: s.planId,
    pendingPlanId: s.pendingPlanId,
    pendingUpdate: pendingUpdateOf(s),
  };
}

export function applyLifecycleState(s: SubscriptionEntity, state: LifecycleState): SubscriptionEntity {
  const { pendingUpdate, ...columns } = state;
  Object.assign(s, columns);
  s.pendingUpdatePlanId = pendingUpdate?.planId ?? null;
  s.pendingUpdatePriceId = pendingUpdate?.priceId ?? null;
  s.pendingUpdateInvoiceId = pendingUpdate?.invoiceId ?? null;
  s.pendingUpdateCreatedAt = pendingUpdate?.createdAt ?? null;
  return s;
}

export function pendingUpdateOf(s: SubscriptionEntity): PendingUpdate | null {
  if (!s.pendingUpdatePlanId || !s.pendingUpdatePriceId || !s.pendingUpdateInvoiceId || !s.pendingUpdateCreatedAt) return null;
  return { planId: s.pendingUpdatePlanId, priceId: s.pendingUpdatePriceId, invoiceId: s.pendingUpdateInvoiceId, createdAt: s.pendingUpdateCreatedAt };
}

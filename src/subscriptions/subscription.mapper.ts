import type { SubscriptionEntity } from './subscription.entity';
import type { LifecycleState } from './subscription-lifecycle';

// The lifecycle module works on plain state; these two functions move it in and out of the row.
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
  };
}

export function applyLifecycleState(s: SubscriptionEntity, state: LifecycleState): SubscriptionEntity {
  return Object.assign(s, state);
}

import type { PlanEntity } from '../catalog/plan.entity';
import type { PriceEntity } from '../catalog/price.entity';
import { DomainError } from '../common/errors';
import type { SubscriptionEntity } from '../subscriptions/subscription.entity';
import type { Interval } from '../subscriptions/subscription-lifecycle';

export interface RenewalTerms {
  price: PriceEntity;
  interval: Interval;
}

type Billed = Pick<SubscriptionEntity, 'id' | 'planId' | 'pendingPlanId' | 'priceId' | 'assetId'>;

// What the next period costs. `plan` is the plan in force next period: the scheduled downgrade if
// there is one (it takes effect at renewal), else the current plan. The asset is the customer's
// chosen payment asset when the plan is priced in it, else the subscription's current asset.
export function renewalTerms(subscription: Billed, plan: PlanEntity, preferredAssetId: string | null): RenewalTerms {
  const expectedPlanId = subscription.pendingPlanId ?? subscription.planId;
  if (plan.id !== expectedPlanId) throw new Error(`renewal of ${subscription.id} priced from plan ${plan.id}, expected ${expectedPlanId}`);
  const preferred = preferredAssetId ? plan.prices.find((p) => p.assetId === preferredAssetId) : undefined;
  // After an upgrade the subscription's priceId can still point at the old plan: only trust it on this plan.
  const current = plan.prices.find((p) => p.id === subscription.priceId);
  const sameAsset = plan.prices.find((p) => p.assetId === subscription.assetId);
  const price = preferred ?? current ?? sameAsset;
  if (!price) {
    throw new DomainError('unprocessable', `Plan ${plan.id} has no price in asset ${subscription.assetId}, so subscription ${subscription.id} cannot be renewed`);
  }
  return { price, interval: { unit: plan.intervalUnit, count: plan.intervalCount } };
}

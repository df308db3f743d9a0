import type { PlanEntity } from '../catalog/plan.entity';
import type { PriceEntity } from '../catalog/price.entity';
import { DomainError } from '../common/errors';
import { renewalTerms } from './renewal-terms';

const USDC = 'asset_usdc';
const ETH = 'asset_eth';

const price = (id: string, planId: string, assetId: string, amount: bigint) => ({ id, planId, assetId, amount }) as PriceEntity;
const plan = (id: string, prices: PriceEntity[], unit: PlanEntity['intervalUnit'] = 'month') => ({ id, intervalUnit: unit, intervalCount: 1, prices }) as PlanEntity;

const pro = plan('plan_pro', [price('price_pro_usdc', 'plan_pro', USDC, 10n), price('price_pro_eth', 'plan_pro', ETH, 5n)]);
const lite = plan('plan_lite', [price('price_lite_usdc', 'plan_lite', USDC, 4n)], 'year');
const sub = { id: 'sub_1', planId: 'plan_pro', pendingPlanId: null, priceId: 'price_pro_usdc', assetId: USDC };

describe(renewalTerms.name, () => {
  it("keeps the subscription's price when the customer has no preferred asset", () => {
    expect(renewalTerms(sub, pro, null)).toEqual({ price: pro.prices[0], interval: { unit: 'month', count: 1 } });
  });

  it("switches to the customer's payment asset when the plan is priced in it", () => {
    expect(renewalTerms(sub, pro, ETH).price.id).toBe('price_pro_eth');
    expect(renewalTerms(sub, pro, 'asset_other').price.id).toBe('price_pro_usdc');
  });

  it("bills a scheduled downgrade at the new plan's price and interval, in the same asset", () => {
    const terms = renewalTerms({ ...sub, pendingPlanId: 'plan_lite' }, lite, null);
    expect(terms).toEqual({ price: lite.prices[0], interval: { unit: 'year', count: 1 } });
  });

  it('falls back to the same asset when the stored price belongs to another plan (after an upgrade)', () => {
    expect(renewalTerms({ ...sub, planId: 'plan_lite', priceId: 'price_pro_usdc' }, lite, null).price.id).toBe('price_lite_usdc');
  });

  it('refuses a plan with no price in the asset, and a plan that is not the one billed next', () => {
    expect(() => renewalTerms({ ...sub, pendingPlanId: 'plan_lite', assetId: ETH }, lite, null)).toThrow(DomainError);
    expect(() => renewalTerms(sub, lite, null)).toThrow(/expected plan_pro/);
  });
});

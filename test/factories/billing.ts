import type { z } from 'zod';
import { createPlanSchema } from '../../src/catalog/catalog.dto';
import type { PlanView } from '../../src/catalog/catalog.presenter';
import { PlanService } from '../../src/catalog/plan.service';
import { PlanRepository } from '../../src/catalog/plan.repository';
import { PriceEntity } from '../../src/catalog/price.entity';
import { createCustomerSchema } from '../../src/customers/customer.dto';
import type { CustomerView } from '../../src/customers/customer.presenter';
import { CustomerService } from '../../src/customers/customer.service';
import { Db } from '../../src/database/db.service';
import type { InvoiceEntity } from '../../src/invoices/invoice.entity';
import { InvoiceService } from '../../src/invoices/invoice.service';
import { MerchantRepository } from '../../src/merchants/merchant.repository';
import { createSubscriptionSchema } from '../../src/subscriptions/subscription.dto';
import type { SubscriptionView } from '../../src/subscriptions/subscription.presenter';
import { SubscriptionRepository } from '../../src/subscriptions/subscription.repository';
import { SubscriptionService } from '../../src/subscriptions/subscription.service';
import type { LifecycleEvent } from '../../src/subscriptions/subscription-lifecycle';
import type { Tenant } from '../../src/common/tenant';
import { nestOf, principalOf, SYSTEM_ACTOR, tenantOf, type Host, type Owner } from './host';
import { USDC } from './merchants';

// Plans, customers, subscriptions and invoices, made by the services the merchant API calls, from
// the same request schemas (so defaults and normalisation are the API's own).

export type PlanInput = Partial<z.input<typeof createPlanSchema>>;

export function createPlan(host: Host, owner: Owner, input: PlanInput = {}): Promise<PlanView> {
  const body = { name: 'Pro', interval: { unit: 'month', count: 1 }, prices: [{ assetId: USDC, amount: '10000000' }], ...input };
  return nestOf(host).get(PlanService).create(principalOf(owner), createPlanSchema.parse(body));
}

let customers = 0;

export function createCustomer(host: Host, owner: Owner, input: Partial<z.input<typeof createCustomerSchema>> = {}): Promise<CustomerView> {
  customers += 1;
  const body = { email: `customer-${customers}-${Date.now()}@example.com`, ...input };
  return nestOf(host).get(CustomerService).create(principalOf(owner), createCustomerSchema.parse(body));
}

export type SubscriptionFixture = SubscriptionView & { latestInvoice: NonNullable<SubscriptionView['latestInvoice']> };

// A new subscription starts incomplete, with its first invoice open (`latestInvoice`).
export async function createSubscription(host: Host, owner: Owner, input: z.input<typeof createSubscriptionSchema>): Promise<SubscriptionFixture> {
  const view = await nestOf(host).get(SubscriptionService).create(principalOf(owner), createSubscriptionSchema.parse(input));
  if (!view.latestInvoice) throw new Error(`subscription ${view.id} has no first invoice`);
  return view as SubscriptionFixture;
}

// A lifecycle change made the way the reconciler or the portal makes it: locked, through applyTransition.
export async function transition(host: Host, tenant: Tenant, subscriptionId: string, event: LifecycleEvent): Promise<void> {
  const nest = nestOf(host);
  await nest.get(Db).transaction(async () => {
    const subscription = await nest.get(SubscriptionRepository).getForUpdate(tenant, subscriptionId);
    await nest.get(SubscriptionService).applyTransition(tenant, SYSTEM_ACTOR, subscription, event);
  });
}

// The first invoice counts as paid: the subscription becomes active for a month from `now`.
export function activateSubscription(host: Host, tenant: Tenant, subscriptionId: string, now: Date): Promise<void> {
  return transition(host, { merchantId: tenant.merchantId, livemode: tenant.livemode }, subscriptionId, { type: 'first_invoice_paid', interval: { unit: 'month', count: 1 }, now });
}

// Another invoice for a subscription's current price, issued as the billing sweep issues renewals.
export async function issueInvoice(host: Host, owner: Owner, subscriptionId: string, period: { start: Date; end: Date }): Promise<InvoiceEntity> {
  const nest = nestOf(host);
  const tenant = tenantOf(owner);
  return nest.get(Db).transaction(async () => {
    const subscription = await nest.get(SubscriptionRepository).getById(tenant, subscriptionId);
    const price = await nest.get(Db).repo(PriceEntity).findOneByOrFail({ id: subscription.priceId, merchantId: owner.merchantId });
    const plan = await nest.get(PlanRepository).getById(tenant, price.planId);
    const merchant = (await nest.get(MerchantRepository).getById(owner.merchantId))!;
    return nest.get(InvoiceService).issue(tenant, SYSTEM_ACTOR, {
      merchant,
      customerId: subscription.customerId,
      subscriptionId,
      plan,
      price,
      quantity: subscription.quantity,
      periodStart: period.start,
      periodEnd: period.end,
      billingReason: 'subscription_cycle',
    });
  });
}

// Stands in for the reconciler: the invoice is paid in full on chain at `at`.
export async function markInvoicePaid(host: Host, invoiceId: string, at: Date): Promise<void> {
  await nestOf(host)
    .get(Db)
    .dataSource.query(`UPDATE invoice SET status = 'paid', paid_at = $2, amount_received = amount_due, amount_confirmed = amount_due, tag_held = false WHERE id = $1`, [invoiceId, at]);
}

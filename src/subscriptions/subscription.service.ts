import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import type { PlanEntity } from '../catalog/plan.entity';
import { PlanRepository } from '../catalog/plan.repository';
import type { PriceEntity } from '../catalog/price.entity';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError } from '../common/errors';
import { newId } from '../common/ids';
import type { Actor, Principal, Tenant } from '../common/tenant';
import { CustomerRepository } from '../customers/customer.repository';
import type { CustomerEntity } from '../customers/customer.entity';
import { Db } from '../database/db.service';
import type { Page } from '../database/tenant-scope';
import type { InvoiceEntity, InvoiceLineItem } from '../invoices/invoice.entity';
import { InvoiceRepository } from '../invoices/invoice.repository';
import { InvoiceService } from '../invoices/invoice.service';
import { MerchantRepository } from '../merchants/merchant.repository';
import type { CancelSubscriptionInput, CreateSubscriptionInput } from './subscription.dto';
import { SubscriptionEntity } from './subscription.entity';
import { applyLifecycleState, pendingUpdateOf, toLifecycleState } from './subscription.mapper';
import { subscriptionStateView, subscriptionView, type SubscriptionView } from './subscription.presenter';
import { SubscriptionRepository, type SubscriptionFilter } from './subscription.repository';
import { canTransition, IllegalTransitionError, initialState, SubscriptionStatus, transition, type LifecycleEvent } from './subscription-lifecycle';

@Injectable()
export class SubscriptionService {
  constructor(
    private readonly db: Db,
    private readonly subscriptions: SubscriptionRepository,
    private readonly customers: CustomerRepository,
    private readonly plans: PlanRepository,
    private readonly merchants: MerchantRepository,
    private readonly invoices: InvoiceService,
    private readonly invoiceRepo: InvoiceRepository,
    private readonly changes: ChangeRecorder,
    private readonly clock: Clock,
  ) {}

  // A new subscription starts `incomplete` with its first invoice open; paying it activates it.
  async create(principal: Principal, input: CreateSubscriptionInput): Promise<SubscriptionView> {
    return this.db.transaction(async () => {
      const customer = await this.customers.getById(principal, input.customerId);
      if (customer.deletedAt) throw new NotFoundError('customer', input.customerId);
      const plan = await this.plans.getById(principal, input.planId);
      if (!plan.active) throw new DomainError('unprocessable', `Plan ${plan.id} is archived and takes no new subscriptions`);
      const price = choosePrice(plan, customer, input.assetId);
      const merchant = await this.merchants.getById(principal.merchantId);
      if (!merchant) throw new NotFoundError('merchant', principal.merchantId);

      const now = this.clock.now();
      const state = initialState(plan.id, now, { unit: plan.intervalUnit, count: plan.intervalCount });
      const subscription = applyLifecycleState(
        Object.assign(new SubscriptionEntity(), {
          id: newId('sub'),
          merchantId: principal.merchantId,
          livemode: principal.livemode,
          customerId: customer.id,
          priceId: price.id,
          assetId: price.assetId,
          quantity: input.quantity,
          metadata: input.metadata ?? {},
        }),
        state,
      );
      const saved = await this.subscriptions.save(subscription);
      const invoice = await this.invoices.issue(principal, principal.actor, {
        merchant,
        customerId: customer.id,
        subscriptionId: saved.id,
        plan,
        price,
        quantity: saved.quantity,
        periodStart: saved.currentPeriodStart,
        periodEnd: saved.currentPeriodEnd,
        billingReason: 'subscription_create',
      });
      await this.changes.record(principal, principal.actor, {
        action: 'subscription.create',
        eventType: 'subscription.created',
        targetType: 'subscription',
        targetId: saved.id,
        customerId: customer.id,
        object: subscriptionView(saved),
        after: subscriptionStateView(saved),
      });
      return subscriptionView(saved, invoice);
    });
  }

  async get(tenant: Tenant, id: string): Promise<SubscriptionView> {
    const subscription = await this.subscriptions.getById(tenant, id);
    const invoices = await this.invoiceRepo.list(tenant, { subscriptionId: id, limit: 1 });
    return subscriptionView(subscription, invoices.data[0] ?? null);
  }

  list(tenant: Tenant, filter: SubscriptionFilter): Promise<Page<SubscriptionEntity>> {
    return this.subscriptions.list(tenant, filter);
  }

  // An unpaid (incomplete) subscription has nothing to run until period end, so it ends at once.
  async cancel(principal: Principal, id: string, input: CancelSubscriptionInput): Promise<SubscriptionView> {
    return this.db.transaction(async () => {
      const current = await this.subscriptions.getForUpdate(principal, id);
      const now = this.clock.now();
      const reason = input.reason ?? null;
      const event: LifecycleEvent =
        input.atPeriodEnd && current.status !== SubscriptionStatus.Incomplete ? { type: 'cancel_at_period_end', now, reason } : { type: 'cancel_now', now, reason };
      const saved = await this.applyTransition(principal, principal.actor, current, event);
      return subscriptionView(saved);
    });
  }

  // A proration invoice became paid: the upgrade it was issued for takes effect. Idempotent and a
  // no-op for any other invoice, or when nothing waits for this one any more. Runs in the caller's
  // transaction (settlement holds the invoice's lock; the subscription's is taken here).
  async applyPaidUpgrade(tenant: Tenant, actor: Actor, invoice: InvoiceEntity): Promise<SubscriptionEntity | null> {
    const line = prorationLine(tenant, invoice);
    if (!line || !invoice.periodEnd) return null;
    const periodEnd = invoice.periodEnd;
    return this.db.transaction(async () => {
      const subscription = await this.subscriptions.getForUpdate(tenant, invoice.subscriptionId!);
      const event: LifecycleEvent = { type: 'upgrade_paid', invoiceId: invoice.id, planId: line.planId, periodEnd };
      if (!canTransition(toLifecycleState(subscription), event)) return null;
      // The price is not lifecycle state: it follows the plan the invoice paid for.
      subscription.priceId = pendingUpdateOf(subscription)?.priceId ?? line.priceId;
      return this.applyTransition(tenant, actor, subscription, event);
    });
  }

  // A proration invoice ran out or was voided unpaid: the upgrade waiting for it is dropped and the
  // plan stays. Same guarantees as applyPaidUpgrade.
  async dropPendingUpgrade(tenant: Tenant, actor: Actor, invoice: InvoiceEntity): Promise<SubscriptionEntity | null> {
    if (!prorationLine(tenant, invoice)) return null;
    return this.db.transaction(async () => {
      const subscription = await this.subscriptions.getForUpdate(tenant, invoice.subscriptionId!);
      const event: LifecycleEvent = { type: 'upgrade_expired', invoiceId: invoice.id };
      if (!canTransition(toLifecycleState(subscription), event)) return null;
      return this.applyTransition(tenant, actor, subscription, event);
    });
  }

  // The one path by which a subscription changes state: lifecycle rules, save, audit and event together.
  async applyTransition(tenant: Tenant, actor: Actor, subscription: SubscriptionEntity, event: LifecycleEvent): Promise<SubscriptionEntity> {
    const before = subscriptionStateView(subscription);
    let result: ReturnType<typeof transition>;
    try {
      result = transition(toLifecycleState(subscription), event);
    } catch (err) {
      if (err instanceof IllegalTransitionError) throw new DomainError('illegal_transition', err.message, { from: err.from, event: err.event, reason: err.code });
      throw err;
    }
    const saved = await this.subscriptions.save(applyLifecycleState(subscription, result.state));
    if (saved.status === SubscriptionStatus.Canceled || saved.status === SubscriptionStatus.IncompleteExpired) {
      await this.invoices.voidOpenForSubscription(tenant, actor, saved.id);
    }
    await this.changes.record(tenant, actor, {
      action: `subscription.${event.type}`,
      eventType: result.change,
      targetType: 'subscription',
      targetId: saved.id,
      customerId: saved.customerId,
      object: subscriptionView(saved),
      before,
      after: subscriptionStateView(saved),
    });
    return saved;
  }
}

// The line that says which plan and price an upgrade invoice bought; null for every other invoice
// (and for another merchant's or mode's, which never reaches here but must never count).
function prorationLine(tenant: Tenant, invoice: InvoiceEntity): (InvoiceLineItem & { planId: string; priceId: string }) | null {
  if (invoice.billingReason !== 'subscription_update' || !invoice.subscriptionId) return null;
  if (invoice.merchantId !== tenant.merchantId || invoice.livemode !== tenant.livemode) return null;
  const line = invoice.lineItems.find((l) => l.kind === 'proration');
  return line?.planId && line.priceId ? { ...line, planId: line.planId, priceId: line.priceId } : null;
}

function choosePrice(plan: PlanEntity, customer: CustomerEntity, assetId: string | undefined): PriceEntity {
  const wanted = assetId ?? customer.paymentAssetId ?? undefined;
  if (wanted) {
    const price = plan.prices.find((p) => p.assetId === wanted);
    if (price) return price;
    if (assetId) throw new DomainError('unprocessable', `Plan ${plan.id} has no price in asset ${assetId}`);
  }
  if (plan.prices.length === 1) return plan.prices[0];
  throw new DomainError('validation_failed', `Plan ${plan.id} has several prices: send assetId (one of ${plan.prices.map((p) => p.assetId).join(', ')})`, [
    { path: 'assetId', message: 'required for a plan with several prices' },
  ]);
}

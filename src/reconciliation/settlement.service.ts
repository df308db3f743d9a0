import { Injectable } from '@nestjs/common';
import { PlanEntity } from '../catalog/plan.entity';
import { Clock } from '../common/clock';
import type { Actor, Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import type { InvoiceEntity } from '../invoices/invoice.entity';
import { InvoiceLifecycleService } from '../invoices/invoice-lifecycle.service';
import { MerchantRepository } from '../merchants/merchant.repository';
import { SubscriptionRepository } from '../subscriptions/subscription.repository';
import { SubscriptionService } from '../subscriptions/subscription.service';
import { SubscriptionStatus, type LifecycleEvent } from '../subscriptions/subscription-lifecycle';
import type { SubscriptionEntity } from '../subscriptions/subscription.entity';

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'reconciler', initiator: 'system' };

// Applies what payments mean: the invoice's totals and status (through its lifecycle, which also
// moves any surplus to credit) and the subscription transition that follows. Runs inside the
// caller's transaction.
@Injectable()
export class SettlementService {
  constructor(
    private readonly db: Db,
    private readonly invoiceLifecycle: InvoiceLifecycleService,
    private readonly subscriptions: SubscriptionService,
    private readonly subscriptionRepo: SubscriptionRepository,
    private readonly merchants: MerchantRepository,
    private readonly clock: Clock,
  ) {}

  // Recomputes the invoice from its payments through its lifecycle, then applies what a change
  // between paid and not paid means for its subscription.
  async recompute(invoiceId: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    const now = this.clock.now();
    const applied = await this.invoiceLifecycle.settle(invoiceId, actor, now);
    if (!applied) return;
    const { invoice, before } = applied;
    const wasPaid = before.status === 'paid';
    const tenant: Tenant = { merchantId: invoice.merchantId, livemode: invoice.livemode };
    // A proration invoice carries a pending upgrade: paid applies it, run out drops it (no-ops for other invoices).
    // A later reversal goes through applyToSubscription like any payment: past_due with grace, never a free upgrade.
    if (invoice.status === 'paid' && !wasPaid) await this.subscriptions.applyPaidUpgrade(tenant, actor, invoice);
    else if (invoice.status === 'expired' && before.status !== 'expired') await this.subscriptions.dropPendingUpgrade(tenant, actor, invoice);
    if (invoice.subscriptionId && (invoice.status === 'paid') !== wasPaid) await this.applyToSubscription(tenant, actor, invoice, invoice.status === 'paid', now);
  }

  private async applyToSubscription(tenant: Tenant, actor: Actor, invoice: InvoiceEntity, paid: boolean, now: Date): Promise<void> {
    const subscription = await this.subscriptionRepo.getForUpdate(tenant, invoice.subscriptionId!);
    const event = await this.subscriptionEvent(subscription, invoice, paid, now);
    if (!event) return;
    await this.subscriptions.applyTransition(tenant, actor, subscription, event);
  }

  private async subscriptionEvent(s: SubscriptionEntity, invoice: InvoiceEntity, paid: boolean, now: Date): Promise<LifecycleEvent | null> {
    const merchant = await this.merchants.getById(s.merchantId);
    const graceDays = merchant?.billingSettings.graceDays ?? 7;
    if (!paid) {
      // A reversal matters while the invoice's period is still running or ahead.
      const relevant = !invoice.periodEnd || invoice.periodEnd > now;
      return s.status === SubscriptionStatus.Active && relevant ? { type: 'payment_reversed', now, graceDays } : null;
    }
    // The invoice's own plan line decides the next period (after a downgrade it is the new plan).
    const line = invoice.lineItems.find((l) => l.kind === 'plan');
    const plan = await this.db.manager.getRepository(PlanEntity).findOneBy({ id: line?.planId ?? s.planId });
    const interval = { unit: plan?.intervalUnit ?? 'month', count: plan?.intervalCount ?? 1 } as const;
    if (s.status === SubscriptionStatus.Incomplete && invoice.billingReason === 'subscription_create') return { type: 'first_invoice_paid', interval, now };
    const renewsNext = invoice.billingReason === 'subscription_cycle' && invoice.periodStart !== null && invoice.periodStart >= s.currentPeriodEnd;
    if (renewsNext && (s.status === SubscriptionStatus.Active || s.status === SubscriptionStatus.PastDue || s.status === SubscriptionStatus.Unpaid) && !s.cancelAtPeriodEnd) {
      // The renewal may bill another asset (the customer's choice) or price (a downgrade): the subscription follows it.
      if (line?.priceId) s.priceId = line.priceId;
      s.assetId = invoice.assetId;
      return { type: 'renewal_paid', interval };
    }
    if (s.status === SubscriptionStatus.PastDue && !renewsNext) return { type: 'payment_restored' };
    return null;
  }
}

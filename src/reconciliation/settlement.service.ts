import { Injectable, Logger } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { PlanEntity } from '../catalog/plan.entity';
import { Clock } from '../common/clock';
import type { Actor, Tenant } from '../common/tenant';
import { Db, isUniqueViolation } from '../database/db.service';
import { InvoiceEntity } from '../invoices/invoice.entity';
import { invoiceView } from '../invoices/invoice.presenter';
import { MerchantRepository } from '../merchants/merchant.repository';
import { SubscriptionRepository } from '../subscriptions/subscription.repository';
import { SubscriptionService } from '../subscriptions/subscription.service';
import { SubscriptionStatus, type LifecycleEvent } from '../subscriptions/subscription-lifecycle';
import type { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { invoiceStatusFor } from './payment-matcher';

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'reconciler', initiator: 'system' };

// Applies what payments mean: invoice totals and status, credit for overpayment, and the
// subscription transition that follows. Runs inside the caller's transaction.
@Injectable()
export class SettlementService {
  private readonly logger = new Logger('Settlement');

  constructor(
    private readonly db: Db,
    private readonly subscriptions: SubscriptionService,
    private readonly subscriptionRepo: SubscriptionRepository,
    private readonly merchants: MerchantRepository,
    private readonly changes: ChangeRecorder,
    private readonly clock: Clock,
  ) {}

  async recompute(invoiceId: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    const em = this.db.manager;
    const invoice = await em.getRepository(InvoiceEntity).findOne({ where: { id: invoiceId }, lock: { mode: 'pessimistic_write' } });
    if (!invoice) return;
    const [totals]: { received: string; confirmed: string }[] = await em.query(
      `SELECT COALESCE(SUM(amount) FILTER (WHERE state <> 'orphaned'), 0) AS received,
              COALESCE(SUM(amount) FILTER (WHERE state IN ('confirmed', 'final')), 0) AS confirmed
       FROM payment WHERE invoice_id = $1`,
      [invoice.id],
    );
    const now = this.clock.now();
    const before = { status: invoice.status, amountReceived: invoice.amountReceived.toString(), amountConfirmed: invoice.amountConfirmed.toString() };
    const received = BigInt(totals.received);
    const confirmed = BigInt(totals.confirmed);
    const status = invoiceStatusFor({ status: invoice.status, amountDue: invoice.amountDue, received, confirmed, expiresAt: invoice.expiresAt, now });
    const wasPaid = invoice.status === 'paid';
    if (status === invoice.status && received === invoice.amountReceived && confirmed === invoice.amountConfirmed) return;

    invoice.amountReceived = received;
    invoice.amountConfirmed = confirmed;
    invoice.status = status;
    invoice.paidAt = status === 'paid' ? (invoice.paidAt ?? now) : null;
    const wantTag = status !== 'paid' && status !== 'void' && now < invoice.monitorUntil;
    await this.saveHoldingTag(invoice, wantTag);

    const tenant: Tenant = { merchantId: invoice.merchantId, livemode: invoice.livemode };
    const after = { status: invoice.status, amountReceived: received.toString(), amountConfirmed: confirmed.toString() };
    await this.changes.record(tenant, actor, {
      action: 'invoice.settle',
      eventType: eventFor(before.status, status),
      targetType: 'invoice',
      targetId: invoice.id,
      customerId: invoice.customerId,
      object: invoiceView(invoice),
      before,
      after,
    });
    if (status === 'paid' && !wasPaid && confirmed > invoice.amountDue) await this.credit(tenant, actor, invoice, confirmed - invoice.amountDue);
    if (invoice.subscriptionId && (status === 'paid') !== wasPaid) await this.applyToSubscription(tenant, actor, invoice, status === 'paid', now);
  }

  // Re-holding a tag can collide with a newer invoice that took the amount meanwhile; then the
  // invoice stays payable by wallet binding or claim, just not by exact amount.
  private async saveHoldingTag(invoice: InvoiceEntity, wantTag: boolean): Promise<void> {
    if (!wantTag || invoice.tagHeld) {
      invoice.tagHeld = wantTag && invoice.tagHeld;
      await this.db.manager.getRepository(InvoiceEntity).save(invoice);
      return;
    }
    try {
      invoice.tagHeld = true;
      await this.db.savepoint(this.db.manager, 'retag', () => this.db.manager.getRepository(InvoiceEntity).save(invoice));
    } catch (err) {
      if (!isUniqueViolation(err, 'invoice_amount_tag_uq')) throw err;
      this.logger.warn({ invoice: invoice.id }, 'amount tag taken by another invoice; left unheld');
      invoice.tagHeld = false;
      await this.db.manager.getRepository(InvoiceEntity).save(invoice);
    }
  }

  private async credit(tenant: Tenant, actor: Actor, invoice: InvoiceEntity, surplus: bigint): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO customer_credit (merchant_id, customer_id, asset_id, amount) VALUES ($1, $2, $3, $4)
       ON CONFLICT (merchant_id, customer_id, asset_id) DO UPDATE SET amount = customer_credit.amount + EXCLUDED.amount, updated_at = now()`,
      [invoice.merchantId, invoice.customerId, invoice.assetId, surplus.toString()],
    );
    await this.changes.record(tenant, actor, {
      action: 'invoice.overpaid',
      eventType: 'invoice.overpaid',
      targetType: 'invoice',
      targetId: invoice.id,
      customerId: invoice.customerId,
      object: { ...invoiceView(invoice), credit: surplus.toString() },
      after: { credit: surplus.toString(), assetId: invoice.assetId },
    });
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

function eventFor(before: string, after: string): string | null {
  if (before === after) return null;
  switch (after) {
    case 'paid':
      return 'invoice.paid';
    case 'partially_paid':
      return 'invoice.partially_paid';
    case 'expired':
      return 'invoice.expired';
    default:
      return before === 'paid' || before === 'partially_paid' ? 'invoice.reopened' : null;
  }
}

import { Injectable } from '@nestjs/common';
import type { Actor, Tenant } from '../common/tenant';
import type { InvoiceEntity } from '../invoices/invoice.entity';
import { canTransition } from '../invoices/invoice-lifecycle';
import { InvoiceLifecycleService, stateOf } from '../invoices/invoice-lifecycle.service';
import { SubscriptionService } from '../subscriptions/subscription.service';
import { BillingRepository } from './billing.repository';

// Time-driven invoice changes. Each method runs inside the caller's transaction and re-checks the
// row after locking it, so running twice (or on two workers) changes it once.
@Injectable()
export class InvoiceExpiryService {
  constructor(
    private readonly billing: BillingRepository,
    private readonly lifecycle: InvoiceLifecycleService,
    private readonly subscriptions: SubscriptionService,
  ) {}

  async expire(tenant: Tenant, actor: Actor, invoiceId: string, now: Date): Promise<boolean> {
    const invoice = await this.billing.tryLockInvoice(tenant, invoiceId);
    if (!invoice || !canTransition(stateOf(invoice), { type: 'expire', now })) return false;
    await this.markExpired(tenant, actor, invoice, now);
    return true;
  }

  // The caller holds the invoice's row lock. The tag stays held until monitor_until, so a late
  // payment still matches this invoice instead of landing on a new one with the same amount.
  async markExpired(tenant: Tenant, actor: Actor, invoice: InvoiceEntity, now: Date): Promise<void> {
    await this.lifecycle.apply(tenant, actor, invoice, { type: 'expire', now });
    // An upgrade waiting for this invoice is dropped with it (a no-op for any other invoice).
    await this.subscriptions.dropPendingUpgrade(tenant, actor, invoice);
  }

  // A renewal re-issued after its predecessor expired is redundant once either is paid: void the
  // open one so the customer is not asked to pay the same period twice.
  async voidSuperseded(tenant: Tenant, actor: Actor, invoiceId: string, now: Date): Promise<boolean> {
    const invoice = await this.billing.tryLockInvoice(tenant, invoiceId);
    if (!invoice || invoice.status !== 'open' || invoice.billingReason !== 'subscription_cycle' || !invoice.subscriptionId || !invoice.periodStart) return false;
    const siblings = await this.billing.renewalInvoices(tenant, invoice.subscriptionId, invoice.periodStart);
    if (!siblings.some((s) => s.id !== invoice.id && s.status === 'paid')) return false;
    await this.lifecycle.apply(tenant, actor, invoice, { type: 'void', now });
    return true;
  }

  // Tags of invoices whose monitoring window closed go back to the pool.
  releaseTags(now: Date, limit: number): Promise<number> {
    return this.lifecycle.releaseTags(now, limit);
  }
}

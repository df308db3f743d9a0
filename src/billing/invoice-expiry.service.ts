import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import type { Actor, Tenant } from '../common/tenant';
import type { InvoiceEntity, InvoiceStatus } from '../invoices/invoice.entity';
import { invoiceView } from '../invoices/invoice.presenter';
import { InvoiceRepository } from '../invoices/invoice.repository';
import { BillingRepository } from './billing.repository';

const EXPIRABLE: readonly InvoiceStatus[] = ['open', 'partially_paid'];

// Time-driven invoice changes. Each method runs inside the caller's transaction and re-checks the
// row after locking it, so running twice (or on two workers) changes it once.
@Injectable()
export class InvoiceExpiryService {
  constructor(
    private readonly billing: BillingRepository,
    private readonly invoices: InvoiceRepository,
    private readonly changes: ChangeRecorder,
  ) {}

  async expire(tenant: Tenant, actor: Actor, invoiceId: string, now: Date): Promise<boolean> {
    const invoice = await this.billing.tryLockInvoice(tenant, invoiceId);
    if (!invoice || !EXPIRABLE.includes(invoice.status) || invoice.expiresAt > now) return false;
    await this.markExpired(tenant, actor, invoice);
    return true;
  }

  // The caller holds the invoice's row lock. The tag stays held until monitor_until, so a late
  // payment still matches this invoice instead of landing on a new one with the same amount.
  async markExpired(tenant: Tenant, actor: Actor, invoice: InvoiceEntity): Promise<void> {
    const before = invoice.status;
    invoice.status = 'expired';
    const saved = await this.invoices.save(invoice);
    await this.changes.record(tenant, actor, {
      action: 'invoice.expire',
      eventType: 'invoice.expired',
      targetType: 'invoice',
      targetId: saved.id,
      customerId: saved.customerId,
      object: invoiceView(saved),
      before: { status: before },
      after: { status: 'expired' },
    });
  }

  // A renewal re-issued after its predecessor expired is redundant once either is paid: void the
  // open one so the customer is not asked to pay the same period twice.
  async voidSuperseded(tenant: Tenant, actor: Actor, invoiceId: string): Promise<boolean> {
    const invoice = await this.billing.tryLockInvoice(tenant, invoiceId);
    if (!invoice || invoice.status !== 'open' || invoice.billingReason !== 'subscription_cycle' || !invoice.subscriptionId || !invoice.periodStart) return false;
    const siblings = await this.billing.renewalInvoices(tenant, invoice.subscriptionId, invoice.periodStart);
    if (!siblings.some((s) => s.id !== invoice.id && s.status === 'paid')) return false;
    invoice.status = 'void';
    invoice.tagHeld = false;
    const saved = await this.invoices.save(invoice);
    await this.changes.record(tenant, actor, {
      action: 'invoice.void',
      eventType: 'invoice.voided',
      targetType: 'invoice',
      targetId: saved.id,
      customerId: saved.customerId,
      object: invoiceView(saved),
      before: { status: 'open' },
      after: { status: 'void' },
    });
    return true;
  }
}

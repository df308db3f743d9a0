import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { AppConfig } from '../config/app-config';
import type { Actor, Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { CustomerCreditRepository } from './customer-credit.repository';
import type { InvoiceEntity } from './invoice.entity';
import { transition, type InvoiceEvent, type InvoiceState, type InvoiceTransition } from './invoice-lifecycle';
import { invoiceView } from './invoice.presenter';
import { InvoiceRepository } from './invoice.repository';

const HOUR_MS = 3_600_000;

export interface AppliedTransition {
  invoice: InvoiceEntity;
  before: InvoiceState;
  transition: InvoiceTransition;
}

// The only writer of an invoice's status, tag and credited surplus: it applies one transition of
// the pure lifecycle to a row the caller has locked, inside the caller's transaction, with its
// audit row and outbox event, and moves any surplus to (or back from) the customer's credit.
@Injectable()
export class InvoiceLifecycleService {
  constructor(
    private readonly db: Db,
    private readonly invoices: InvoiceRepository,
    private readonly credits: CustomerCreditRepository,
    private readonly changes: ChangeRecorder,
    private readonly config: AppConfig,
  ) {}

  get monitorMs(): number {
    return this.config.env.INVOICE_MONITOR_HOURS * HOUR_MS;
  }

  // Recomputes an invoice from its payments: locks it, sums what is matched to it, applies 'settle'.
  // Null when the invoice does not exist or nothing changed.
  async settle(invoiceId: string, actor: Actor, now: Date): Promise<AppliedTransition | null> {
    const invoice = await this.invoices.lockById(invoiceId);
    if (!invoice) return null;
    const totals = await this.invoices.paymentTotals(invoice.id);
    const tenant: Tenant = { merchantId: invoice.merchantId, livemode: invoice.livemode };
    return this.apply(tenant, actor, invoice, { type: 'settle', received: totals.received, confirmed: totals.confirmed, now, monitorMs: this.monitorMs });
  }

  // The caller holds the invoice's row lock. Throws IllegalInvoiceTransitionError when refused.
  async apply(tenant: Tenant, actor: Actor, invoice: InvoiceEntity, event: InvoiceEvent): Promise<AppliedTransition | null> {
    const before = stateOf(invoice);
    const t = transition(before, event);
    if (sameState(before, t.state)) return null;
    Object.assign(invoice, t.state);
    const saved = await this.invoices.save(invoice);
    await this.changes.record(tenant, actor, {
      action: `invoice.${event.type}`,
      eventType: t.change,
      targetType: 'invoice',
      targetId: saved.id,
      customerId: saved.customerId,
      object: invoiceView(saved),
      before: summary(before),
      after: summary(t.state),
    });
    if (t.creditDelta !== 0n) await this.moveCredit(tenant, actor, saved, t.creditDelta);
    return { invoice: saved, before, transition: t };
  }

  // How much of the customer's credit in this asset a new invoice of `gross` takes; the balance
  // row stays locked until the caller's transaction ends, so two invoices cannot spend it twice.
  async reserveCredit(tenant: Tenant, customerId: string, assetId: string, gross: bigint): Promise<bigint> {
    const balance = await this.credits.balanceForUpdate(tenant, customerId, assetId);
    return balance < gross ? (balance > 0n ? balance : 0n) : gross;
  }

  // Takes the reserved credit out of the balance, recorded against the invoice it pays.
  async applyCredit(tenant: Tenant, actor: Actor, invoice: InvoiceEntity, amount: bigint): Promise<void> {
    await this.credits.add(tenant, invoice.customerId, invoice.assetId, -amount);
    await this.changes.record(tenant, actor, {
      action: 'invoice.credit_applied',
      eventType: null,
      targetType: 'invoice',
      targetId: invoice.id,
      customerId: invoice.customerId,
      object: invoiceView(invoice),
      after: { assetId: invoice.assetId, credit: amount.toString() },
    });
  }

  releaseTags(now: Date, limit: number): Promise<number> {
    return this.invoices.releaseTags(now, limit);
  }

  private async moveCredit(tenant: Tenant, actor: Actor, invoice: InvoiceEntity, delta: bigint): Promise<void> {
    const applied = await this.credits.add(tenant, invoice.customerId, invoice.assetId, delta);
    const credit = { assetId: invoice.assetId, credit: delta.toString(), applied: applied.toString() };
    await this.changes.record(tenant, actor, {
      action: delta > 0n ? 'invoice.overpaid' : 'invoice.credit_reversed',
      // A take-back only happens on a reorg; the merchant hears of it through payment.reversed.
      eventType: delta > 0n ? 'invoice.overpaid' : null,
      targetType: 'invoice',
      targetId: invoice.id,
      customerId: invoice.customerId,
      object: { ...invoiceView(invoice), credit: delta.toString() },
      after: credit,
    });
  }
}

export function stateOf(i: InvoiceEntity): InvoiceState {
  return {
    status: i.status,
    amountDue: i.amountDue,
    amountReceived: i.amountReceived,
    amountConfirmed: i.amountConfirmed,
    amountCredited: i.amountCredited ?? 0n,
    expiresAt: i.expiresAt,
    monitorUntil: i.monitorUntil,
    tagHeld: i.tagHeld,
    paidAt: i.paidAt,
  };
}

function sameState(a: InvoiceState, b: InvoiceState): boolean {
  return (
    a.status === b.status &&
    a.amountReceived === b.amountReceived &&
    a.amountConfirmed === b.amountConfirmed &&
    a.amountCredited === b.amountCredited &&
    a.tagHeld === b.tagHeld &&
    a.monitorUntil.getTime() === b.monitorUntil.getTime() &&
    (a.paidAt?.getTime() ?? null) === (b.paidAt?.getTime() ?? null)
  );
}

function summary(s: InvoiceState) {
  return { status: s.status, amountReceived: s.amountReceived.toString(), amountConfirmed: s.amountConfirmed.toString() };
}

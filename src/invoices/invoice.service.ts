import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import type { PlanEntity } from '../catalog/plan.entity';
import type { PriceEntity } from '../catalog/price.entity';
import { AppConfig, type ConfiguredAsset } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { newId } from '../common/ids';
import type { Actor, Tenant } from '../common/tenant';
import { Db, isUniqueViolation } from '../database/db.service';
import type { Page } from '../database/tenant-scope';
import type { MerchantEntity } from '../merchants/merchant.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import { smallestFreeTag } from './amount-tag';
import { canTransition } from './invoice-lifecycle';
import { InvoiceLifecycleService, stateOf } from './invoice-lifecycle.service';
import { InvoiceEntity, type InvoiceLineItem } from './invoice.entity';
import { invoiceView, type InvoiceView } from './invoice.presenter';
import { InvoiceRepository, type InvoiceFilter } from './invoice.repository';

const TAG_ATTEMPTS = 5;
const HOUR_MS = 3_600_000;

export interface IssueInvoice {
  merchant: MerchantEntity;
  customerId: string;
  subscriptionId: string | null;
  plan: PlanEntity;
  price: PriceEntity;
  quantity: number;
  periodStart: Date;
  periodEnd: Date;
  billingReason: InvoiceEntity['billingReason'];
  // A charge other than plan price × quantity (a proration): these lines replace the plan line
  // and their amounts add up to the subtotal.
  lineItems?: InvoiceLineItem[];
}

@Injectable()
export class InvoiceService {
  constructor(
    private readonly db: Db,
    private readonly invoices: InvoiceRepository,
    private readonly merchants: MerchantRepository,
    private readonly changes: ChangeRecorder,
    private readonly lifecycle: InvoiceLifecycleService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  // Must run inside the caller's transaction (the subscription change that bills).
  async issue(tenant: Tenant, actor: Actor, input: IssueInvoice): Promise<InvoiceEntity> {
    const asset = this.requireAsset(input.price.assetId);
    const payTo = input.merchant.receivingAddresses[String(asset.chainId)];
    if (!payTo) {
      throw new DomainError('unprocessable', `Set a receiving address for chain ${asset.chainId} (${asset.chainName}) first: PATCH /api/v1/merchant {"receivingAddresses": {"${asset.chainId}": "0x..."}}`);
    }
    const now = this.clock.now();
    const charges: InvoiceLineItem[] = input.lineItems ?? [
      {
        kind: 'plan',
        description: `${input.plan.name} × ${input.quantity} (${input.periodStart.toISOString().slice(0, 10)} – ${input.periodEnd.toISOString().slice(0, 10)})`,
        planId: input.plan.id,
        priceId: input.price.id,
        quantity: input.quantity,
        unitAmount: input.price.amount.toString(),
        amount: (input.price.amount * BigInt(input.quantity)).toString(),
        periodStart: input.periodStart.toISOString(),
        periodEnd: input.periodEnd.toISOString(),
      },
    ];
    const gross = charges.reduce((sum, li) => sum + BigInt(li.amount), 0n);
    // The customer's credit in this asset (overpayments, repeat payments) pays first.
    const credit = await this.lifecycle.reserveCredit(tenant, input.customerId, asset.id, gross);
    const subtotal = gross - credit;
    const expiresAt = new Date(now.getTime() + this.config.env.INVOICE_EXPIRY_HOURS * HOUR_MS);
    const number = await this.merchants.nextInvoiceNumber(input.merchant.id);
    const invoice = Object.assign(new InvoiceEntity(), {
      id: newId('inv'),
      merchantId: tenant.merchantId,
      livemode: tenant.livemode,
      customerId: input.customerId,
      subscriptionId: input.subscriptionId,
      number: `${tenant.livemode ? '' : 'TEST-'}${input.merchant.slug.toUpperCase().slice(0, 12)}-${String(number).padStart(6, '0')}`,
      status: 'open',
      billingReason: input.billingReason,
      assetId: asset.id,
      chainId: asset.chainId,
      token: asset.token,
      payTo,
      subtotal,
      amountReceived: 0n,
      amountConfirmed: 0n,
      amountCredited: 0n,
      tagHeld: true,
      lineItems: credit > 0n ? [...charges, creditLine(credit)] : charges,
      periodStart: input.periodStart,
      periodEnd: input.periodEnd,
      dueAt: now,
      expiresAt,
      monitorUntil: new Date(expiresAt.getTime() + this.config.env.INVOICE_MONITOR_HOURS * HOUR_MS),
      paidAt: null,
    });
    const saved = subtotal === 0n ? await this.saveFullyCredited(invoice) : await this.saveWithTag(invoice);
    if (credit > 0n) await this.lifecycle.applyCredit(tenant, actor, saved, credit);
    const view = invoiceView(saved);
    await this.changes.record(tenant, actor, {
      action: 'invoice.create',
      eventType: 'invoice.created',
      targetType: 'invoice',
      targetId: saved.id,
      customerId: saved.customerId,
      object: view,
      after: { status: saved.status, amountDue: view.amountDue },
    });
    return saved;
  }

  // Nothing left to pay: no amount tag to reserve. The reconciler settles it as paid on its next
  // tick, through the same path as any payment (so the subscription follows as usual).
  private saveFullyCredited(invoice: InvoiceEntity): Promise<InvoiceEntity> {
    Object.assign(invoice, { tag: 0, amountDue: 0n, tagHeld: false });
    return this.invoices.save(invoice);
  }

  // The partial unique index is the lock: on a collision (a concurrent invoice took the same
  // amount) the insert is rolled back to a savepoint and retried with the next free tag.
  private async saveWithTag(invoice: InvoiceEntity): Promise<InvoiceEntity> {
    let from = 1;
    for (let attempt = 0; attempt < TAG_ATTEMPTS; attempt++) {
      const held = await this.invoices.heldAmounts(invoice.chainId, invoice.token, invoice.payTo, invoice.subtotal);
      const tag = smallestFreeTag(invoice.subtotal, held, from);
      if (tag === null) break;
      invoice.tag = tag;
      invoice.amountDue = invoice.subtotal + BigInt(tag);
      try {
        return await this.db.savepoint(this.db.manager, 'invoice_tag', () => this.invoices.save(invoice));
      } catch (err) {
        if (!isUniqueViolation(err, 'invoice_amount_tag_uq')) throw err;
        from = tag + 1;
      }
    }
    throw new DomainError('amount_tags_exhausted', 'Too many open invoices share this amount on this receiving address; retry shortly');
  }

  // Withdraws the requests for money of a subscription that ended. Their tags stay held through
  // the monitoring window, so a payment sent anyway becomes the customer's credit.
  async voidOpenForSubscription(tenant: Tenant, actor: Actor, subscriptionId: string): Promise<void> {
    const now = this.clock.now();
    for (const { id } of await this.invoices.listAwaitingForSubscription(tenant, subscriptionId)) {
      const invoice = await this.invoices.lockOwned(tenant, id);
      // Something already arrived on a partially paid invoice: it stays for the merchant to settle.
      if (invoice.status !== 'open' || !canTransition(stateOf(invoice), { type: 'void', now })) continue;
      await this.lifecycle.apply(tenant, actor, invoice, { type: 'void', now });
    }
  }

  async get(tenant: Tenant, id: string): Promise<InvoiceView> {
    return invoiceView(await this.invoices.getById(tenant, id));
  }

  list(tenant: Tenant, filter: InvoiceFilter): Promise<Page<InvoiceEntity>> {
    return this.invoices.list(tenant, filter);
  }

  private requireAsset(assetId: string): ConfiguredAsset {
    const asset = this.config.asset(assetId);
    if (!asset) throw new DomainError('unprocessable', `Asset ${assetId} is no longer configured`);
    return asset;
  }
}

function creditLine(amount: bigint): InvoiceLineItem {
  return { kind: 'credit', description: 'Credit applied', planId: null, priceId: null, quantity: 1, unitAmount: (-amount).toString(), amount: (-amount).toString(), periodStart: null, periodEnd: null };
}

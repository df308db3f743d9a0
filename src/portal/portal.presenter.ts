import type { PlanEntity } from '../catalog/plan.entity';
import type { PriceEntity } from '../catalog/price.entity';
import type { AppConfig, ConfiguredAsset } from '../config/app-config';
import type { BillingProfileData } from '../customers/billing-profile.entity';
import type { CustomerEntity } from '../customers/customer.entity';
import type { InvoiceEntity } from '../invoices/invoice.entity';
import { DEFAULT_BRANDING } from '../merchants/merchant.defaults';
import type { MerchantEntity } from '../merchants/merchant.entity';
import type { PaymentEntity } from '../payments/payment.entity';
import type { SubscriptionEntity } from '../subscriptions/subscription.entity';
import {
  eip681Uri,
  explorerTxUrl,
  formatAmount,
  formatDate,
  formatDateTime,
  intervalLabel,
  invoiceStatus,
  paymentStatus,
  plainAmount,
  shortHash,
  SUBSCRIPTION_STATUS,
} from './view-helpers';
import { isPayable } from '../invoices/invoice-lifecycle';

const HEX = /^#[0-9a-fA-F]{6}$/;

// Entity → view-model: every string a template prints is computed here.
export class PortalPresenter {
  constructor(
    private readonly config: AppConfig,
    private readonly now: Date,
  ) {}

  brand(merchant: MerchantEntity) {
    const b = merchant.branding;
    return {
      name: merchant.name,
      initials: merchant.name.split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toUpperCase(),
      logoUrl: b.logoUrl && /^https:\/\//.test(b.logoUrl) ? b.logoUrl : null,
      primaryColor: HEX.test(b.primaryColor) ? b.primaryColor : DEFAULT_BRANDING.primaryColor,
      accentColor: HEX.test(b.accentColor) ? b.accentColor : DEFAULT_BRANDING.accentColor,
      footerText: b.footerText,
      supportEmail: b.supportEmail,
    };
  }

  money(amount: bigint, assetId: string): string {
    const asset = this.config.asset(assetId);
    return asset ? formatAmount(amount, asset.decimals, asset.symbol) : `${amount.toString()} (base units)`;
  }

  subscription(s: SubscriptionEntity, plan: PlanEntity | undefined, price: PriceEntity | undefined) {
    const status = SUBSCRIPTION_STATUS[s.status] ?? { label: s.status, tone: 'neutral' };
    const ended = s.status === 'canceled' || s.status === 'incomplete_expired';
    return {
      id: s.id,
      planName: plan?.name ?? 'Plan',
      price: price ? this.money(price.amount * BigInt(s.quantity), price.assetId) : '',
      interval: plan ? intervalLabel(plan.intervalUnit, plan.intervalCount) : '',
      quantity: s.quantity,
      showQuantity: s.quantity > 1,
      status: status.label,
      tone: status.tone,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd && !ended,
      cancellationReason: s.cancellationReason,
      // What the next date means depends on the state.
      dateLabel: ended ? 'Ended' : s.cancelAtPeriodEnd ? 'Ends on' : s.status === 'incomplete' ? 'Starts when paid' : s.status === 'paused' ? 'Paused until' : 'Renews on',
      date: ended ? formatDate(s.endedAt) : s.status === 'paused' ? (s.resumeAt ? formatDate(s.resumeAt) : 'you resume') : s.status === 'incomplete' ? '' : formatDate(s.currentPeriodEnd),
      periodStart: formatDate(s.currentPeriodStart),
      periodEnd: formatDate(s.currentPeriodEnd),
      graceUntil: s.graceUntil ? formatDate(s.graceUntil) : null,
      pastDue: s.status === 'past_due' || s.status === 'unpaid',
      createdAt: formatDate(s.createdAt),
    };
  }

  invoiceSummary(i: InvoiceEntity) {
    const status = invoiceStatus(i.status, i.expiresAt, this.now);
    const remaining = i.amountDue > i.amountReceived ? i.amountDue - i.amountReceived : 0n;
    return {
      id: i.id,
      number: i.number,
      status: status.label,
      tone: status.tone,
      amountDue: this.money(i.amountDue, i.assetId),
      remaining: this.money(remaining, i.assetId),
      payable: isPayable(i, this.now),
      partiallyPaid: i.status === 'partially_paid',
      dueDate: formatDate(i.dueAt),
      expiresAt: formatDateTime(i.expiresAt),
      createdAt: formatDate(i.createdAt),
    };
  }

  invoiceDetail(i: InvoiceEntity, payments: PaymentEntity[], heads: Map<number, bigint>) {
    const asset = this.config.asset(i.assetId);
    const chain = this.config.chain(i.chainId);
    const remaining = i.amountDue > i.amountReceived ? i.amountDue - i.amountReceived : 0n;
    const summary = this.invoiceSummary(i);
    return {
      ...summary,
      subtotal: this.money(i.subtotal, i.assetId),
      received: this.money(i.amountReceived, i.assetId),
      confirmed: this.money(i.amountConfirmed, i.assetId),
      hasReceived: i.amountReceived > 0n,
      periodStart: formatDate(i.periodStart),
      periodEnd: formatDate(i.periodEnd),
      lineItems: i.lineItems.map((li) => ({ description: li.description, quantity: li.quantity, amount: this.money(BigInt(li.amount), i.assetId) })),
      tagAmount: this.money(BigInt(i.tag), i.assetId),
      instructions: summary.payable
        ? {
            payTo: i.payTo,
            exactAmount: asset ? plainAmount(remaining, asset.decimals) : remaining.toString(),
            amountLabel: this.money(remaining, i.assetId),
            symbol: asset?.symbol ?? '',
            chainName: chain?.name ?? `Chain ${i.chainId}`,
            chainId: i.chainId,
            tokenContract: i.token === 'native' ? null : i.token,
            uri: eip681Uri({ chainId: i.chainId, token: i.token, payTo: i.payTo, amount: remaining }),
          }
        : null,
      paymentState: this.invoicePaymentState(i, payments),
      payments: payments.map((p) => this.payment(p, heads)),
    };
  }

  private invoicePaymentState(i: InvoiceEntity, payments: PaymentEntity[]): string {
    if (i.status === 'paid') return 'Paid in full.';
    if (i.status === 'void') return 'This invoice was voided; nothing is due.';
    if (i.status === 'expired') return 'This invoice expired unpaid.';
    const live = payments.filter((p) => p.state !== 'orphaned');
    if (live.length === 0) return 'Waiting for your payment. It appears here within seconds of being sent.';
    if (i.status === 'partially_paid') return 'Part of the amount arrived; send the remainder shown below.';
    return 'Payment detected; waiting for confirmations.';
  }

  payment(p: PaymentEntity, heads: Map<number, bigint>) {
    const chain = this.config.chain(p.chainId);
    const head = heads.get(p.chainId);
    const confirmations = head !== undefined && head >= p.blockNumber ? Number(head - p.blockNumber + 1n) : null;
    const status = paymentStatus(p.state, confirmations, chain?.confirmations ?? 1);
    return {
      id: p.id,
      time: formatDateTime(p.blockTimestamp),
      amount: p.assetId ? this.money(p.amount, p.assetId) : `${p.amount.toString()} (base units)`,
      chainName: chain?.name ?? `Chain ${p.chainId}`,
      txHash: p.txHash,
      txShort: shortHash(p.txHash),
      explorerUrl: explorerTxUrl(chain?.explorerUrl, p.txHash),
      status: status.label,
      tone: status.tone,
      invoiceId: p.invoiceId,
    };
  }

  profile(customer: CustomerEntity, data: BillingProfileData) {
    const a = data.address;
    const addressLines = [a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(' '), a.region, a.country].filter((l): l is string => !!l);
    return {
      email: customer.email,
      name: customer.name,
      legalName: data.legalName,
      company: data.company,
      billingEmail: data.email,
      taxId: data.taxId,
      addressLines,
      empty: !data.legalName && !data.company && !data.email && !data.taxId && addressLines.length === 0,
    };
  }

  asset(assetId: string): ConfiguredAsset | undefined {
    return this.config.asset(assetId);
  }
}

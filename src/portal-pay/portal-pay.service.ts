import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError } from '../common/errors';
import type { Actor } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { BillingProfileRepository } from '../customers/billing-profile.repository';
import { CustomerRepository } from '../customers/customer.repository';
import type { InvoiceEntity } from '../invoices/invoice.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import type { PaymentClaimEntity } from '../payments/payment-claim.entity';
import type { PortalContext } from '../portal/portal-session.service';
import { explorerTxUrl, formatAmount, formatDate, formatDateTime, invoiceStatus, paymentStatus, shortHash, type Tone } from '../portal/view-helpers';
import { ClaimService } from '../reconciliation/claim.service';
import { renderInvoicePdf, type InvoicePdfModel } from './invoice-pdf.renderer';
import { PortalRepository } from '../portal/portal.repository';
import { PortalPayRepository } from './portal-pay.repository';
import { isPayable } from '../invoices/invoice-lifecycle';

// A customer cannot queue unbounded chain lookups: past this many unverified hashes on one
// invoice, new claims wait until the pending ones resolve.
export const MAX_PENDING_CLAIMS = 5;

const CLAIM_STATUS: Record<PaymentClaimEntity['status'], { label: string; tone: Tone }> = {
  pending: { label: 'Pending verification', tone: 'info' },
  needs_review: { label: 'Pending review', tone: 'info' },
  verified: { label: 'Verified', tone: 'success' },
  rejected: { label: 'Rejected', tone: 'danger' },
};

const NOTICES: Record<string, string> = {
  'claim-submitted': 'Thanks: your transaction hash was received. It is checked on chain shortly, then reviewed by the merchant if needed, and shows its status below.',
};

export function portalActor(ctx: PortalContext): Actor {
  return { type: 'portal_session', id: ctx.session.idHash.slice(0, 16), initiator: 'customer_portal' };
}

@Injectable()
export class PortalPayService {
  constructor(
    private readonly repo: PortalPayRepository,
    private readonly portal: PortalRepository,
    private readonly claims: ClaimService,
    private readonly merchants: MerchantRepository,
    private readonly customers: CustomerRepository,
    private readonly profiles: BillingProfileRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  // The invoice page's pay-with-wallet data, claim form, claims list and PDF link.
  async invoicePanel(ctx: PortalContext, invoiceId: string, done: string | undefined) {
    const [invoice, merchant] = await Promise.all([this.portal.invoice(ctx.tenant, ctx.customerId, invoiceId), this.merchants.getById(ctx.tenant.merchantId)]);
    const claims = await this.repo.claims(ctx.tenant, ctx.customerId, invoice.id);
    const canPay = ctx.session.scopes.includes('pay');
    const open = isPayable(invoice, this.clock.now());
    const remaining = invoice.amountDue > invoice.amountReceived ? invoice.amountDue - invoice.amountReceived : 0n;
    const asset = this.config.asset(invoice.assetId);
    const chain = this.config.chain(invoice.chainId);
    return {
      notice: done ? (NOTICES[done] ?? null) : null,
      pdfUrl: merchant?.portalSettings.invoiceDownload ? `/portal/invoices/${invoice.id}/pdf` : null,
      // Exactly what the wallet script sends: the remaining amount in base units, never a float.
      wallet:
        canPay && open && remaining > 0n
          ? {
              chainId: String(invoice.chainId),
              chainIdHex: `0x${invoice.chainId.toString(16)}`,
              chainName: chain?.name ?? `Chain ${invoice.chainId}`,
              token: invoice.token,
              payTo: invoice.payTo,
              amount: remaining.toString(),
              amountLabel: asset ? formatAmount(remaining, asset.decimals, asset.symbol) : `${remaining.toString()} (base units)`,
            }
          : null,
      claimForm: canPay && open,
      claimAction: `/portal/invoices/${invoice.id}/claims`,
      claims: claims.map((c) => {
        const status = CLAIM_STATUS[c.status];
        return {
          txHash: c.txHash,
          txShort: shortHash(c.txHash),
          explorerUrl: explorerTxUrl(chain?.explorerUrl, c.txHash),
          status: status.label,
          tone: status.tone,
          reason: c.status === 'rejected' ? c.reason : null,
          submittedAt: formatDateTime(c.createdAt),
        };
      }),
    };
  }

  async submitClaim(ctx: PortalContext, invoiceId: string, txHash: string): Promise<string> {
    if (!ctx.session.scopes.includes('pay')) throw new DomainError('forbidden', 'This billing link does not allow payments from the portal.');
    // Ownership first: the claim service itself only knows the merchant.
    const invoice = await this.portal.invoice(ctx.tenant, ctx.customerId, invoiceId);
    if (!isPayable(invoice, this.clock.now())) throw new DomainError('unprocessable', `Invoice ${invoice.number} is ${invoiceStatus(invoice.status, invoice.expiresAt, this.clock.now()).label.toLowerCase()}: there is no payment to claim.`);
    if ((await this.repo.pendingClaims(ctx.tenant, ctx.customerId, invoice.id)) >= MAX_PENDING_CLAIMS) {
      throw new DomainError('unprocessable', `${MAX_PENDING_CLAIMS} transaction hashes for this invoice are still being verified; wait for them before adding another.`);
    }
    await this.claims.submit(ctx.tenant, portalActor(ctx), invoice.id, txHash);
    return `/portal/invoices/${invoice.id}?done=claim-submitted#claims`;
  }

  async invoicePdf(ctx: PortalContext, invoiceId: string): Promise<{ filename: string; body: Buffer }> {
    const merchant = await this.merchants.getById(ctx.tenant.merchantId);
    if (!merchant) throw new NotFoundError('merchant');
    if (!merchant.portalSettings.invoiceDownload) throw new DomainError('forbidden', `${merchant.name} does not offer invoice downloads here.`);
    const invoice = await this.portal.invoice(ctx.tenant, ctx.customerId, invoiceId);
    const [customer, profile, payments] = await Promise.all([
      this.customers.findInMerchant(ctx.tenant.merchantId, ctx.customerId),
      this.profiles.get(ctx.tenant, ctx.customerId),
      this.repo.invoicePayments(ctx.tenant, ctx.customerId, invoice.id),
    ]);
    if (!customer) throw new NotFoundError('customer');
    const money = this.money(invoice);
    const chain = this.config.chain(invoice.chainId);
    const a = profile.address;
    const model: InvoicePdfModel = {
      number: invoice.number,
      status: invoiceStatus(invoice.status, invoice.expiresAt, this.clock.now()).label,
      merchant: { name: merchant.name, supportEmail: merchant.branding.supportEmail },
      customer: { name: customer.name, email: customer.email },
      billing: {
        legalName: profile.legalName,
        company: profile.company,
        email: profile.email,
        taxId: profile.taxId,
        addressLines: [a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(' '), a.region, a.country].filter((l): l is string => !!l),
      },
      dates: [
        { label: 'Issued', value: formatDate(invoice.createdAt) },
        ...(invoice.periodStart ? [{ label: 'Period', value: `${formatDate(invoice.periodStart)} – ${formatDate(invoice.periodEnd)}` }] : []),
        { label: 'Due', value: formatDate(invoice.dueAt) },
        { label: 'Pay before', value: formatDateTime(invoice.expiresAt) },
        ...(invoice.paidAt ? [{ label: 'Paid', value: formatDateTime(invoice.paidAt) }] : []),
      ],
      lineItems: invoice.lineItems.map((li) => ({ description: li.description, quantity: li.quantity, amount: money(BigInt(li.amount)) })),
      totals: [
        { label: 'Subtotal', value: money(invoice.subtotal) },
        { label: 'Payment reference', value: money(BigInt(invoice.tag)) },
        { label: 'Amount due', value: money(invoice.amountDue) },
        { label: 'Amount received', value: money(invoice.amountReceived) },
      ],
      chain: `${chain?.name ?? `Chain ${invoice.chainId}`} (chain id ${invoice.chainId})`,
      payTo: invoice.payTo,
      token: invoice.token === 'native' ? null : invoice.token,
      payments: payments.map((p) => ({
        time: formatDateTime(p.blockTimestamp),
        txHash: p.txHash,
        amount: p.assetId ? money(p.amount) : `${p.amount.toString()} (base units)`,
        status: paymentStatus(p.state, null, chain?.confirmations ?? 1).label,
      })),
      testMode: !invoice.livemode,
    };
    return { filename: `${invoice.number.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf`, body: await renderInvoicePdf(model, invoice.createdAt) };
  }

  private money(invoice: InvoiceEntity): (amount: bigint) => string {
    const asset = this.config.asset(invoice.assetId);
    return (amount) => (asset ? formatAmount(amount, asset.decimals, asset.symbol) : `${amount.toString()} (base units)`);
  }
}

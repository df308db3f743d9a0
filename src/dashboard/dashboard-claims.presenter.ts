import type { AppConfig } from '../config/app-config';
import type { CustomerEntity } from '../customers/customer.entity';
import type { InvoiceEntity } from '../invoices/invoice.entity';
import type { PaymentClaimEntity } from '../payments/payment-claim.entity';
import { explorerTxUrl, formatDateTime, shortHash, type Tone } from '../portal/view-helpers';
import type { ClaimTab } from './dashboard-claims.dto';
import type { ClaimCounts } from './dashboard-claims.repository';
import type { DashboardPresenter } from './dashboard.presenter';

const STATUS: Record<PaymentClaimEntity['status'], { label: string; tone: Tone }> = {
  pending: { label: 'Checking on chain', tone: 'info' },
  needs_review: { label: 'Needs review', tone: 'warning' },
  verified: { label: 'Verified', tone: 'success' },
  rejected: { label: 'Rejected', tone: 'danger' },
};

const DECIDED_BY: Record<string, string> = {
  dashboard: 'in the dashboard',
  merchant_api: 'through the API',
  system: 'by Billfold',
};

// What a review form sent, shown again with its error when it was refused.
export interface ClaimFormState {
  claimId: string;
  note?: string;
  reason?: string;
  noteError?: string;
  reasonError?: string;
}

// Payment claims → view-models for the claims page. Money, dates and links come from the same
// helpers as the payments page.
export class DashboardClaimsPresenter {
  constructor(
    private readonly base: DashboardPresenter,
    private readonly config: AppConfig,
  ) {}

  tabs(current: ClaimTab, counts: ClaimCounts) {
    const labels: Record<ClaimTab, string> = { needs_review: `Needs review (${counts.needs_review})`, all: 'All', verified: 'Verified', rejected: 'Rejected' };
    return (Object.keys(labels) as ClaimTab[]).map((value) => ({ value, label: labels[value], current: value === current }));
  }

  claim(c: PaymentClaimEntity, invoices: Map<string, InvoiceEntity>, customers: Map<string, CustomerEntity>, form: ClaimFormState | null) {
    const chain = this.config.chain(c.chainId);
    const invoice = invoices.get(c.invoiceId);
    const customer = customers.get(c.customerId);
    const status = STATUS[c.status];
    const remaining = invoice && invoice.amountDue > invoice.amountReceived ? invoice.amountDue - invoice.amountReceived : 0n;
    const mine = form?.claimId === c.id ? form : null;
    return {
      id: c.id,
      txHash: c.txHash,
      txShort: shortHash(c.txHash),
      explorerUrl: explorerTxUrl(chain?.explorerUrl, c.txHash),
      chainName: chain?.name ?? `Chain ${c.chainId}`,
      blockNumber: c.blockNumber?.toString() ?? null,
      blockTime: formatDateTime(c.blockTimestamp),
      from: c.fromAddress,
      fromShort: c.fromAddress ? shortHash(c.fromAddress) : null,
      amount: c.amount === null ? null : invoice ? this.base.portal.money(c.amount, invoice.assetId) : `${c.amount.toString()} (base units)`,
      invoiceNumber: invoice?.number ?? c.invoiceId,
      invoiceRemaining: invoice ? this.base.portal.money(remaining, invoice.assetId) : null,
      customerId: c.customerId,
      customerEmail: customer?.email ?? c.customerId,
      customerName: customer?.name ?? null,
      claimedAt: formatDateTime(c.createdAt),
      status: status.label,
      tone: status.tone,
      reason: c.reason,
      reviewNote: c.reviewNote,
      decided: c.resolvedAt ? `${formatDateTime(c.resolvedAt)}${c.resolvedBy ? `, ${DECIDED_BY[c.resolvedBy] ?? c.resolvedBy}` : ''}` : null,
      reviewable: c.status === 'needs_review',
      noteField: `note-${c.id}`,
      reasonField: `reason-${c.id}`,
      note: mine?.note ?? '',
      noteError: mine?.noteError ?? null,
      reasonValue: mine?.reason ?? '',
      reasonError: mine?.reasonError ?? null,
    };
  }
}

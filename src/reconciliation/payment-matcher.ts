// Matching is a pure decision over rows already loaded: which invoice (if any) a new transfer pays.

export interface MatchableInvoice {
  id: string;
  merchantId: string;
  customerId: string;
  amountDue: bigint;
  status: string;
  expiresAt: Date;
  monitorUntil: Date;
}

export interface MatchableTransfer {
  amount: bigint;
  blockTimestamp: Date;
}

export type MatchResult = { matchedBy: 'amount'; invoice: MatchableInvoice; late: boolean } | { matchedBy: null };

// Rule 1, exact amount tag: the one held invoice on (chain, token, pay_to) whose amount equals the
// transfer. Paid and void invoices never match; an expired one matches within its monitoring window (late).
export function matchByAmountTag(transfer: MatchableTransfer, candidates: readonly MatchableInvoice[]): MatchResult {
  const invoice = candidates.find((i) => i.amountDue === transfer.amount && (i.status === 'open' || i.status === 'partially_paid' || i.status === 'expired'));
  if (!invoice) return { matchedBy: null };
  if (transfer.blockTimestamp > invoice.monitorUntil) return { matchedBy: null };
  return { matchedBy: 'amount', invoice, late: transfer.blockTimestamp > invoice.expiresAt };
}

export type InvoiceStatus = 'open' | 'partially_paid' | 'paid' | 'expired' | 'void';

export interface InvoiceTotals {
  status: InvoiceStatus;
  amountDue: bigint;
  received: bigint; // sum of matched, not orphaned
  confirmed: bigint; // sum of matched, confirmed or final
  expiresAt: Date;
  now: Date;
}

// Invoice status is always recomputed from its payments, never incremented: paid once the
// confirmed amount covers it; partially paid while something short has arrived.
export function invoiceStatusFor(t: InvoiceTotals): InvoiceStatus {
  if (t.status === 'void') return 'void';
  if (t.confirmed >= t.amountDue) return 'paid';
  const expired = t.now >= t.expiresAt;
  if (t.received > 0n && t.received < t.amountDue) return expired ? 'expired' : 'partially_paid';
  return expired ? 'expired' : 'open';
}

export interface BindingWallet {
  customerId: string;
  livemode: boolean;
  verifiedBlock: bigint;
}

export type BindingDecision = { bind: true; customerId: string } | { bind: false; suggestedCustomerId: string | null };

// Rule 2, payer-wallet binding: a transfer from a wallet the customer proved, in a block at or
// after the proof, pays that customer's oldest open invoice; an earlier one only suggests the customer.
export function decideBinding(wallet: BindingWallet | null, transfer: { blockNumber: bigint; livemode: boolean }): BindingDecision {
  if (!wallet || wallet.livemode !== transfer.livemode) return { bind: false, suggestedCustomerId: null };
  if (transfer.blockNumber < wallet.verifiedBlock) return { bind: false, suggestedCustomerId: wallet.customerId };
  return { bind: true, customerId: wallet.customerId };
}

// Matching is a pure decision over rows already loaded: which invoice (if any) a new transfer pays.
import { InvoiceStatus, recognisesTaggedTransfer } from '../invoices/invoice-lifecycle';

export interface MatchableInvoice {
  id: string;
  merchantId: string;
  customerId: string;
  amountDue: bigint;
  status: string;
  expiresAt: Date;
  monitorUntil: Date;
  tagHeld: boolean;
}

export interface MatchableTransfer {
  amount: bigint;
  blockTimestamp: Date;
}

export type MatchResult = { matchedBy: 'amount'; invoice: MatchableInvoice; late: boolean; repeat: boolean } | { matchedBy: null };

// Rule 1, exact amount tag: the one invoice holding this exact amount on (chain, token, pay_to),
// recognised while its tag is held and its monitoring window open. Late when mined after expiry;
// a repeat when the invoice is already paid or void, so the money becomes that customer's credit
// instead of paying whoever gets the same amount next.
export function matchByAmountTag(transfer: MatchableTransfer, candidates: readonly MatchableInvoice[]): MatchResult {
  const invoice = candidates.find((i) => i.amountDue === transfer.amount && recognisesTaggedTransfer(i, transfer.blockTimestamp));
  if (!invoice) return { matchedBy: null };
  const repeat = invoice.status === InvoiceStatus.Paid || invoice.status === InvoiceStatus.Void;
  return { matchedBy: 'amount', invoice, late: !repeat && transfer.blockTimestamp > invoice.expiresAt, repeat };
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
